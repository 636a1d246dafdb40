/// 查询签约协议: queries a contract by the merchant's contract number.
///
/// `GET /v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}` → [`Contract`]
pub struct QueryContract {
    pub plan_id: u64,
    pub out_contract_code: String,
    pub app_id: Option<String>,
}
#[allow(deprecated)]
const _: () = {
    #[automatically_derived]
    impl ::wechatpay::__private::Endpoint for QueryContract {
        type Response = Contract;
        const METHOD: ::wechatpay::__private::Method = ::wechatpay::__private::Method::GET;
        const PATH: &'static str = "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}";
        fn write_path(
            &self,
            __out: &mut ::wechatpay::__private::String,
        ) -> ::wechatpay::__private::Result<(), ::wechatpay::__private::Error> {
            let Self { plan_id, out_contract_code, .. } = self;
            __out.push_str("/v3/papay/sign/contracts/plan-id/");
            ::wechatpay::__private::push_path_param(
                __out,
                plan_id,
                Self::PATH,
                "plan_id",
            )?;
            __out.push_str("/out-contract-code/");
            ::wechatpay::__private::push_path_param(
                __out,
                out_contract_code,
                Self::PATH,
                "out_contract_code",
            )?;
            ::wechatpay::__private::Result::Ok(())
        }
        const HAS_QUERY: bool = true;
        fn serialize_query<__S: ::wechatpay::__private::serde::Serializer>(
            &self,
            __serializer: __S,
        ) -> ::wechatpay::__private::Result<__S::Ok, __S::Error> {
            ::wechatpay::__private::assert_query_value::<Option<String>>();
            let __len: usize = 0usize;
            let __len = __len + !::wechatpay::__private::is_none(&self.app_id) as usize;
            let mut __state = ::wechatpay::__private::serde::Serializer::serialize_struct(
                __serializer,
                "QueryContract",
                __len,
            )?;
            let mut __failed = ::wechatpay::__private::Option::None;
            ::wechatpay::__private::write_field(
                &mut __state,
                &mut __failed,
                "appid",
                &self.app_id,
                ::wechatpay::__private::is_none(&self.app_id),
            );
            ::wechatpay::__private::end_fields(__state, __failed)
        }
    }
};
