/// `PATCH /v3/items/{id}` → [`Vec<Item<'static>>`]
pub struct Update<'a, T: Clone, I>
where
    I: Copy,
{
    id: I,
    name: &'a str,
    data: Option<T>,
}
#[allow(deprecated)]
const _: () = {
    #[derive(::sdk::wechatpay::__private::serde::Serialize)]
    #[serde(crate = "::sdk::wechatpay::__private::serde", remote = "Update")]
    struct __Body<'a, T: Clone, I>
    where
        I: Copy,
    {
        #[serde(
            serialize_with = "::sdk::wechatpay::__private::serialize_body_field::<&'a str, _>"
        )]
        name: &'a str,
        #[serde(skip_serializing_if = "::sdk::wechatpay::__private::is_none")]
        data: Option<T>,
        #[serde(skip)]
        __wechatpay_marker: ::sdk::wechatpay::__private::PhantomData<Update<'a, T, I>>,
    }
    #[automatically_derived]
    impl<'a, T: Clone, I> ::sdk::wechatpay::__private::Endpoint for Update<'a, T, I>
    where
        I: Copy,
        I: ::sdk::wechatpay::__private::PathParam,
        T: ::sdk::wechatpay::__private::serde::Serialize,
    {
        type Response = Vec<Item<'static>>;
        const METHOD: ::sdk::wechatpay::__private::Method = ::sdk::wechatpay::__private::Method::PATCH;
        const PATH: &'static str = "v3/items/{id}";
        fn write_path(
            &self,
            __out: &mut ::sdk::wechatpay::__private::String,
        ) -> ::sdk::wechatpay::__private::Result<
            (),
            ::sdk::wechatpay::__private::Error,
        > {
            let Self { id, .. } = self;
            __out.push_str("/v3/items/");
            ::sdk::wechatpay::__private::push_path_param(__out, id, Self::PATH, "id")?;
            ::sdk::wechatpay::__private::Result::Ok(())
        }
        fn serialize_body<__S: ::sdk::wechatpay::__private::serde::Serializer>(
            &self,
            __serializer: __S,
        ) -> ::sdk::wechatpay::__private::Result<__S::Ok, __S::Error> {
            __Body::<'a, T, I>::serialize(self, __serializer)
        }
    }
};
