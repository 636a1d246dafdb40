//! The enums of values WeChat Pay names on the wire (`SUCCESS`, `REFUND`, `ALIPAY` …), hand-written
//! and generated alike, declared by one macro so that every one of them is open to new values.

/// Declares an enum of values WeChat Pay names on the wire, by their wire names, with a
/// catch-all `Unknown(String)` that keeps a value this version does not know yet: WeChat Pay
/// adds values over time, and one new value must not make a whole answer fail to decode. The
/// value serializes back exactly as it came.
///
/// Each enum gets `as_str` (the wire name), `From<&str>`, `Display`, `Serialize` and
/// `Deserialize` (reading the wire name borrowed where the input allows), and derives `Debug`,
/// `Clone`, `PartialEq`, `Eq` and `Hash`; it is `#[non_exhaustive]`, so that a value added in a
/// later version is not a breaking change.
#[doc(hidden)]
#[macro_export]
macro_rules! __open_enum {
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
            Unknown(String),
        }

        impl $name {
            /// The wire name, as WeChat Pay spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(unknown) => unknown,
                }
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire $(| $alias)* => Self::$variant,)*
                    unknown => Self::Unknown(unknown.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                $crate::open_enum::deserialize_wire_name(deserializer).map(|wire| Self::from(&*wire))
            }
        }
    };
}
// Only the catalog uses it: a build without any catalog feature (the core alone) does not.
#[cfg_attr(not(feature = "merchant-catalog"), allow(unused_imports))]
pub(crate) use crate::__open_enum as open_enum;

/// A wire name, borrowed from the input when it can be.
pub fn deserialize_wire_name<'de, D: serde::Deserializer<'de>>(
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
