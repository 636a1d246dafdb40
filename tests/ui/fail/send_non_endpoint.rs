// A struct without `#[endpoint]` where an endpoint is expected says how to declare one.
pub struct QueryById {
    pub transaction_id: String,
}

fn needs<E: wechatpay::Endpoint>(_: &E) {}

fn main() {
    needs(&QueryById {
        transaction_id: "4200000000".into(),
    });
}
