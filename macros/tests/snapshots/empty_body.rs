/// `POST /v3/contracts/{contract_id}/terminate` → nothing (`204 No Content`)
struct TerminateNow {
    contract_id: String,
}
#[allow(deprecated)]
const _: () = {
    #[automatically_derived]
    impl ::wechatpay::__private::Endpoint for TerminateNow {
        type Response = ();
        const METHOD: ::wechatpay::__private::Method = ::wechatpay::__private::Method::POST;
        const PATH: &'static str = "v3/contracts/{contract_id}/terminate";
        fn write_path(
            &self,
            __out: &mut ::wechatpay::__private::String,
        ) -> ::wechatpay::__private::Result<(), ::wechatpay::__private::Error> {
            let Self { contract_id, .. } = self;
            __out.push_str("/v3/contracts/");
            ::wechatpay::__private::push_path_param(
                __out,
                contract_id,
                Self::PATH,
                "contract_id",
            )?;
            __out.push_str("/terminate");
            ::wechatpay::__private::Result::Ok(())
        }
        fn serialize_body<__S: ::wechatpay::__private::serde::Serializer>(
            &self,
            __serializer: __S,
        ) -> ::wechatpay::__private::Result<__S::Ok, __S::Error> {
            let __len: usize = 0usize;
            let __state = ::wechatpay::__private::serde::Serializer::serialize_struct(
                __serializer,
                "TerminateNow",
                __len,
            )?;
            ::wechatpay::__private::SerializeStruct::end(__state)
        }
    }
};
