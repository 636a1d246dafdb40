#[derive(Debug)]
struct QueryContract {
    contract_id: String,
}
::core::compile_error! {
    "endpoint `QueryContract`: unknown option `respnse`\nhelp: did you mean `response`?"
}
::core::compile_error! {
    "endpoint `QueryContract`: the method `get` must be written in upper case\nhelp: write `GET`"
}
::core::compile_error! {
    "endpoint `QueryContract`: `{contract}` has no field of that name\nhelp: did you mean `{contract_id}`?"
}
#[allow(deprecated)]
#[automatically_derived]
impl ::wechatpay::__private::Endpoint for QueryContract {
    type Response = ();
    const METHOD: ::wechatpay::__private::Method = ::wechatpay::__private::Method::GET;
    const PATH: &'static str = "";
    fn write_path(
        &self,
        _: &mut ::wechatpay::__private::String,
    ) -> ::wechatpay::__private::Result<(), ::wechatpay::__private::Error> {
        ::core::unreachable!()
    }
}
