//! Every problem in a declaration, collected so that all of them are reported at once in one voice.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;
use syn::Ident;

/// The problems found so far, combined into one `syn::Error` (serde's `Ctxt`, darling's `Accumulator`).
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Keeps the value of `result`, or records its error.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The combined error; `None` when nothing was wrong.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.combined
    }
}

/// One problem with the endpoint `name`, in the voice every message shares:
/// "endpoint `Name`: problem", then a `help:` line when the fix is obvious.
pub(crate) fn problem(
    span: Span,
    name: &Ident,
    problem: impl Display,
    help: Option<&dyn Display>,
) -> syn::Error {
    syn::Error::new(span, message(name, problem, help))
}

/// Like [`problem`], spanned over all of `tokens` (an attribute, a type) rather than one token.
pub(crate) fn problem_spanned(
    tokens: impl ToTokens,
    name: &Ident,
    problem: impl Display,
    help: Option<&dyn Display>,
) -> syn::Error {
    syn::Error::new_spanned(tokens, message(name, problem, help))
}

fn message(name: &Ident, problem: impl Display, help: Option<&dyn Display>) -> String {
    let name = name.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    match help {
        Some(help) => format!("endpoint `{name}`: {problem}\nhelp: {help}"),
        None => format!("endpoint `{name}`: {problem}"),
    }
}
