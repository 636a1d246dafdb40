//! What a broken declaration expands to: the struct, the errors, and a stub `Endpoint` impl, so that
//! one mistake is reported once rather than again at every call site that sends the struct.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::attr::{Args, Input};
use crate::valid::default_crate;

pub(crate) fn expand(input: &Input, args: Option<&Args>, error: &syn::Error) -> TokenStream {
    let options = args.map(|args| &args.options);
    let krate = options
        .and_then(|options| options.krate.as_ref())
        .map_or_else(default_crate, |krate| krate.0.clone());
    // The declared answer type, when it was readable, keeps `client.send(&request)` typed.
    let response = options
        .and_then(|options| options.response.as_ref())
        .map_or_else(|| quote!(()), |response| response.0.to_token_stream());
    let item = &input.item;
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let error = error.to_compile_error();
    quote! {
        #item
        #error
        #[allow(deprecated)]
        #[automatically_derived]
        impl #impl_generics #krate::__private::Endpoint for #ident #ty_generics #where_clause {
            type Response = #response;
            const METHOD: #krate::__private::Method = #krate::__private::Method::GET;
            const PATH: &'static str = "";
            fn write_path(
                &self,
                _: &mut #krate::__private::String,
            ) -> #krate::__private::Result<(), #krate::__private::Error> {
                ::core::unreachable!()
            }
        }
    }
}
