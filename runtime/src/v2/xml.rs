//! The flat XML of API v2: `<xml><name>value</name>…</xml>`, written and read strictly.
//!
//! WeChat Pay's v2 messages are one `<xml>` element whose children are text fields; nothing else
//! is accepted here. The reader takes no DTD, no comments, no processing instructions but the
//! leading `<?xml …?>` declaration, no entities but the five predefined ones and numeric
//! character references (so nothing expands), no nested elements, no duplicate names, and at most
//! [`MAX_FIELDS`] fields in at most [`MAX_XML_BYTES`] bytes.

/// The largest v2 message read, in bytes. Answers and callbacks are a few kilobytes.
pub const MAX_XML_BYTES: usize = 256 * 1024;

/// The most fields one v2 message may have.
pub const MAX_FIELDS: usize = 512;

/// The longest field name accepted.
const MAX_NAME_LEN: usize = 64;

/// Why a v2 message is not the flat XML WeChat Pay sends: what, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} (at byte {offset})")]
pub struct XmlError {
    /// What is wrong.
    pub problem: String,
    /// The byte offset where it was found.
    pub offset: usize,
}

/// The fields of a flat v2 message, in document order, names unique.
pub type Fields = Vec<(String, String)>;

/// Whether `name` can be a v2 field name: ASCII letters, digits and `_`, not empty, not too long.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Writes `<xml>…</xml>` with one element per field, in the order given. Values that are not
/// plain words (ASCII letters, digits, `_ - .`) go in CDATA sections, a `]]>` inside split across
/// two of them; an empty value as `<name></name>`.
///
/// Field names must satisfy [`is_field_name`]; callers check them first.
pub fn encode<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("<xml>");
    for (name, value) in fields {
        out.push('<');
        out.push_str(name);
        out.push('>');
        if value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            out.push_str(value);
        } else {
            out.push_str("<![CDATA[");
            out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</xml>");
    out
}

/// Reads a flat v2 message into its fields.
///
/// # Errors
/// [`XmlError`] naming the first thing that is not flat WeChat Pay XML.
pub fn decode(bytes: &[u8]) -> Result<Fields, XmlError> {
    decode_element(bytes, "xml")
}

/// [`decode`] for a message whose one element is `<root>` rather than `<xml>` (the decrypted
/// `req_info` of refund callbacks).
///
/// # Errors
/// As [`decode`].
pub fn decode_element(bytes: &[u8], root: &str) -> Result<Fields, XmlError> {
    if bytes.len() > MAX_XML_BYTES {
        return Err(XmlError {
            problem: format!(
                "the message has {} bytes, more than the {MAX_XML_BYTES} a v2 message may have",
                bytes.len()
            ),
            offset: MAX_XML_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError {
        problem: "the message is not UTF-8".into(),
        offset: e.valid_up_to(),
    })?;
    let mut reader = Reader { text, pos: 0 };
    reader.skip_bom();
    reader.skip_space();
    if reader.rest().starts_with("<?xml") {
        let end = reader
            .rest()
            .find("?>")
            .ok_or_else(|| reader.error("the XML declaration `<?xml` is not closed with `?>`"))?;
        reader.pos += end + 2;
        reader.skip_space();
    }
    if reader.rest().starts_with("<!") || reader.rest().starts_with("<?") {
        return Err(reader
            .error("DTDs, comments and processing instructions are not accepted in a v2 message"));
    }
    let (open, close) = (format!("<{root}>"), format!("</{root}>"));
    reader.expect(&open, &format!("the message must start with `{open}`"))?;
    let mut fields: Fields = Vec::new();
    loop {
        reader.skip_space();
        if reader.rest().starts_with(&close) {
            reader.pos += close.len();
            break;
        }
        if reader.rest().is_empty() {
            return Err(reader.error(format!("the message ends before `{close}`")));
        }
        let start = reader.pos;
        let (name, empty) = reader.open_tag()?;
        if fields.iter().any(|(n, _)| n == name) {
            return Err(XmlError {
                problem: format!("the field `{name}` appears twice"),
                offset: start,
            });
        }
        if fields.len() == MAX_FIELDS {
            return Err(XmlError {
                problem: format!("the message has more than {MAX_FIELDS} fields"),
                offset: start,
            });
        }
        let value = if empty {
            String::new()
        } else {
            reader.content(name)?
        };
        fields.push((name.to_owned(), value));
    }
    reader.skip_space();
    if !reader.rest().is_empty() {
        return Err(reader.error(format!("something follows `{close}`")));
    }
    Ok(fields)
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn error(&self, problem: impl Into<String>) -> XmlError {
        XmlError {
            problem: problem.into(),
            offset: self.pos,
        }
    }

    fn skip_bom(&mut self) {
        if self.rest().starts_with('\u{feff}') {
            self.pos += '\u{feff}'.len_utf8();
        }
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn expect(&mut self, token: &str, problem: &str) -> Result<(), XmlError> {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            Ok(())
        } else {
            Err(self.error(problem))
        }
    }

    /// `<name>` or `<name/>`: the name, and whether the element is empty.
    fn open_tag(&mut self) -> Result<(&'a str, bool), XmlError> {
        if !self.rest().starts_with('<') || self.rest().starts_with("</") {
            return Err(self.error("expected a field element such as `<return_code>`"));
        }
        let rest = &self.rest()[1..];
        let end = rest
            .find(['>', '/'])
            .ok_or_else(|| self.error("a field's start tag is not closed"))?;
        let name = &rest[..end];
        if !is_field_name(name) {
            return Err(self.error(format!(
                "`<{}` is not a field element: names are letters, digits and `_` (no attributes, at most {MAX_NAME_LEN} characters)",
                name.chars().take(MAX_NAME_LEN).collect::<String>()
            )));
        }
        self.pos += 1 + end;
        if self.rest().starts_with("/>") {
            self.pos += 2;
            return Ok((name, true));
        }
        self.expect(">", "a field's start tag is not closed with `>`")?;
        Ok((name, false))
    }

    /// The text of the field `name` up to its end tag: character data (with the predefined
    /// entities and character references) and CDATA sections.
    fn content(&mut self, name: &str) -> Result<String, XmlError> {
        let mut value = String::new();
        loop {
            let rest = self.rest();
            if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
                let end = cdata.find("]]>").ok_or_else(|| {
                    self.error(format!("a CDATA section in `{name}` is not closed"))
                })?;
                value.push_str(&cdata[..end]);
                self.pos += "<![CDATA[".len() + end + "]]>".len();
            } else if let Some(close) = rest.strip_prefix("</") {
                let matches = close
                    .strip_prefix(name)
                    .is_some_and(|after| after.starts_with('>'));
                if !matches {
                    return Err(self.error(format!("`<{name}>` is closed by another element")));
                }
                self.pos += 2 + name.len() + 1;
                return Ok(value);
            } else if rest.starts_with('<') {
                return Err(self.error(format!(
                    "`{name}` holds an element or markup; v2 fields hold text only"
                )));
            } else if rest.starts_with('&') {
                let end = rest
                    .find(';')
                    .filter(|&end| end <= 10)
                    .ok_or_else(|| self.error(format!("a `&` in `{name}` starts no entity")))?;
                let c = entity(&rest[1..end])
                    .ok_or_else(|| self.error(format!("the entity `{}` is not accepted (only &lt; &gt; &amp; &quot; &apos; and character references)", &rest[..=end])))?;
                value.push(c);
                self.pos += end + 1;
            } else if rest.is_empty() {
                return Err(self.error(format!("the message ends inside `<{name}>`")));
            } else {
                let end = rest.find(['<', '&']).unwrap_or(rest.len());
                value.push_str(&rest[..end]);
                self.pos += end;
            }
        }
    }
}

/// The character a predefined entity or a character reference (without `&` and `;`) stands for.
fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

/// The value of the field `name`, when present.
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &Fields) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn reads_cdata_text_entities_and_empty_elements() {
        let fields = decode(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <return_code><![CDATA[SUCCESS]]></return_code>\n  <total_fee>100</total_fee>\n  <attach>a &amp; b &#x4e2d;&#25991;</attach>\n  <openid/>\n  <mixed>x<![CDATA[<y>]]>z</mixed>\n</xml>\n",
        )
        .unwrap();
        assert_eq!(
            pairs(&fields),
            [
                ("return_code", "SUCCESS"),
                ("total_fee", "100"),
                ("attach", "a & b 中文"),
                ("openid", ""),
                ("mixed", "x<y>z"),
            ]
        );
    }

    #[test]
    fn writes_words_plain_and_the_rest_as_cdata_and_reads_it_back() {
        let xml = encode([
            ("total_fee", "100"),
            ("body", "会员<月卡>"),
            ("attach", "a]]>b"),
            ("empty", ""),
        ]);
        assert_eq!(
            xml,
            "<xml><total_fee>100</total_fee><body><![CDATA[会员<月卡>]]></body><attach><![CDATA[a]]]]><![CDATA[>b]]></attach><empty></empty></xml>"
        );
        let back = decode(xml.as_bytes()).unwrap();
        assert_eq!(
            pairs(&back),
            [
                ("total_fee", "100"),
                ("body", "会员<月卡>"),
                ("attach", "a]]>b"),
                ("empty", "")
            ]
        );
    }

    #[test]
    fn refuses_dtds_entities_nesting_duplicates_and_trailing_data() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><a>&x;</a></xml>",
                "DTDs",
            ),
            (b"<xml><a>&x;</a></xml>", "entity `&x;`"),
            (b"<xml><a>&amp</a></xml>", "starts no entity"),
            (b"<xml><a><b>1</b></a></xml>", "holds an element"),
            (b"<xml><a>1</a><a>2</a></xml>", "appears twice"),
            (b"<xml><a>1</a></xml><xml/>", "follows"),
            (b"<xml><a>1</b></xml>", "closed by another"),
            (b"<xml><a x=\"1\">1</a></xml>", "not a field element"),
            (b"<xml><a>1</a>", "ends before"),
            (b"<xml><a>1", "ends inside"),
            (b"<xml><a><![CDATA[1</a></xml>", "not closed"),
            (b"<root><a>1</a></root>", "must start with `<xml>`"),
            (b"<xml><!-- c --><a>1</a></xml>", "not a field element"),
            (b"<xml><a>\xff</a></xml>", "not UTF-8"),
            (b"<xml><a>&#0;</a></xml>", "not accepted"),
        ];
        for (input, expected) in cases {
            let error = decode(input).unwrap_err();
            assert!(
                error.problem.contains(expected),
                "{}: {error}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn refuses_oversized_messages_and_too_many_fields() {
        let big = vec![b' '; MAX_XML_BYTES + 1];
        assert!(decode(&big).unwrap_err().problem.contains("more than"));
        let mut many = String::from("<xml>");
        for i in 0..=MAX_FIELDS {
            many.push_str(&format!("<f{i}>1</f{i}>"));
        }
        many.push_str("</xml>");
        assert!(
            decode(many.as_bytes())
                .unwrap_err()
                .problem
                .contains("more than 512 fields")
        );
    }
}
