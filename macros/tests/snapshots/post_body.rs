#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
/// `POST /v3/papay/sign/contracts/pre-entrust-sign` → [`PreEntrustSignResponse`]
pub struct PreEntrustSign {
    pub sub_mchid: String,
    pub plan_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    pub return_url: Option<String>,
    pub device_info: DeviceInfo,
}
#[allow(deprecated)]
const _: () = {
    #[derive(::wechatpay::__private::serde::Serialize)]
    #[serde(crate = "::wechatpay::__private::serde", remote = "PreEntrustSign")]
    #[serde(rename_all = "snake_case")]
    struct __Query {
        sub_mchid: String,
    }
    #[derive(::wechatpay::__private::serde::Serialize)]
    #[serde(crate = "::wechatpay::__private::serde", remote = "PreEntrustSign")]
    #[serde(rename_all = "snake_case")]
    struct __Body {
        #[serde(
            serialize_with = "::wechatpay::__private::serialize_body_field::<u64, _>"
        )]
        plan_id: u64,
        #[serde(
            serialize_with = "::wechatpay::__private::serialize_body_field::<Option<String>, _>"
        )]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        openid: Option<String>,
        #[serde(skip_serializing_if = "::wechatpay::__private::is_none")]
        #[serde(
            serialize_with = "::wechatpay::__private::serialize_body_field::<Option<String>, _>"
        )]
        return_url: Option<String>,
        #[serde(
            serialize_with = "::wechatpay::__private::serialize_body_field::<DeviceInfo, _>"
        )]
        device_info: DeviceInfo,
    }
    #[automatically_derived]
    impl ::wechatpay::__private::Endpoint for PreEntrustSign {
        type Response = PreEntrustSignResponse;
        const METHOD: ::wechatpay::__private::Method = ::wechatpay::__private::Method::POST;
        const PATH: &'static str = "v3/papay/sign/contracts/pre-entrust-sign";
        fn write_path(
            &self,
            __out: &mut ::wechatpay::__private::String,
        ) -> ::wechatpay::__private::Result<(), ::wechatpay::__private::Error> {
            __out.push_str("/v3/papay/sign/contracts/pre-entrust-sign");
            ::wechatpay::__private::Result::Ok(())
        }
        const HAS_QUERY: bool = true;
        fn serialize_query<__S: ::wechatpay::__private::serde::Serializer>(
            &self,
            __serializer: __S,
        ) -> ::wechatpay::__private::Result<__S::Ok, __S::Error> {
            ::wechatpay::__private::assert_query_value::<String>();
            __Query::serialize(self, __serializer)
        }
        fn serialize_body<__S: ::wechatpay::__private::serde::Serializer>(
            &self,
            __serializer: __S,
        ) -> ::wechatpay::__private::Result<__S::Ok, __S::Error> {
            __Body::serialize(self, __serializer)
        }
    }
};
