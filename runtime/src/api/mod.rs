//! The endpoint catalog: WeChat Pay API v3 endpoints declared with `#[endpoint]`, one file per product family.
//!
//! Each request type is an ordinary struct: fill it and pass it to [`Client::send`](crate::Client::send).
//! Wire names and spellings are kept exactly as WeChat Pay writes them, typos included.

pub mod bill;
pub mod certificates;
pub mod papay;
pub mod pay;
pub mod profitsharing;
pub mod refund;
pub mod security;

/// Declares an enum of values WeChat Pay sends in answers and callbacks, by their wire names,
/// with a catch-all `Other(String)` that keeps a value this version does not know yet: WeChat Pay
/// adds values over time, and one new value must not make a whole answer fail to decode. The
/// value serializes back exactly as it came.
macro_rules! answer_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $variant:ident = $wire:literal $(| $alias:literal)*,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[doc = $doc])* $variant, )*
            /// A value this version does not know yet, exactly as WeChat Pay sent it.
            Other(String),
        }

        impl $name {
            /// The wire name, as WeChat Pay spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire $(| $alias)* => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::api::deserialize_wire_name(deserializer).map(|wire| Self::from(&*wire))
            }
        }
    };
}
pub(crate) use answer_enum;

/// A wire name, borrowed from the input when it can be.
pub(crate) fn deserialize_wire_name<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<std::borrow::Cow<'de, str>, D::Error> {
    struct WireName;
    impl<'de> serde::de::Visitor<'de> for WireName {
        type Value = std::borrow::Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a WeChat Pay value name (a string)")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v))
        }
    }
    deserializer.deserialize_str(WireName)
}
