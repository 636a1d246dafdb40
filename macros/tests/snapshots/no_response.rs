/// `DELETE /v3/contracts/{type}` → nothing (`204 No Content`)
struct Terminate {
    r#type: String,
}
#[allow(deprecated)]
const _: () = {
    #[automatically_derived]
    impl ::wechatpay::__private::Endpoint for Terminate {
        type Response = ();
        const METHOD: ::wechatpay::__private::Method = ::wechatpay::__private::Method::DELETE;
        const PATH: &'static str = "v3/contracts/{type}";
        fn write_path(
            &self,
            __out: &mut ::wechatpay::__private::String,
        ) -> ::wechatpay::__private::Result<(), ::wechatpay::__private::Error> {
            let Self { r#type, .. } = self;
            __out.push_str("/v3/contracts/");
            ::wechatpay::__private::push_path_param(__out, r#type, Self::PATH, "type")?;
            ::wechatpay::__private::Result::Ok(())
        }
    }
};
