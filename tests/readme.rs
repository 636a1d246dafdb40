//! The README's examples say what the code does: the endpoint it declares is the catalog's.

/// The `pub name: Type` lines of `struct name { … }` in `text`, comments left out.
fn fields_of(text: &str, name: &str) -> Vec<String> {
    let start = text
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("no `pub struct {name}`"));
    let body = &text[start..];
    let end = body.find("\n}").unwrap();
    body[..end]
        .lines()
        .skip(1)
        .map(|line| line.split("//").next().unwrap_or_default().trim())
        .filter(|line| line.starts_with("pub "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_declares_query_contract_as_the_catalog_does() {
    let readme = include_str!("../README.md");
    let catalog = include_str!("../runtime/src/api/papay.rs");
    assert_eq!(
        fields_of(readme, "QueryContract"),
        fields_of(catalog, "QueryContract")
    );
    let line = |text: &str| {
        text.lines()
            .find(|line| line.contains("out-contract-code/{out_contract_code}\""))
            .map(|line| {
                line.trim()
                    .trim_start_matches("#[wechatpay::")
                    .trim_start_matches("#[")
                    .to_owned()
            })
    };
    assert_eq!(line(readme), line(catalog));
}
