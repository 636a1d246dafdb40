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

/// The `endpoint(…)]` attribute declaring `struct name` in `text` (the last one before the
/// struct), with its `#[` or `#[wechatpay::` prefix left out.
fn endpoint_of(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("no `pub struct {name}`"));
    text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with("#[endpoint(") || line.starts_with("#[wechatpay::endpoint("))
        .unwrap_or_else(|| panic!("no endpoint attribute before `pub struct {name}`"))
        .trim_start_matches("#[wechatpay::")
        .trim_start_matches("#[")
        .to_owned()
}

#[test]
fn the_readme_declares_query_contract_as_the_catalog_does() {
    let readme = include_str!("../README.md");
    let catalog = include_str!("../runtime/src/v3/papay.rs");
    assert_eq!(
        fields_of(readme, "QueryContract"),
        fields_of(catalog, "QueryContract")
    );
    let declaration = endpoint_of(catalog, "QueryContract");
    assert!(
        declaration.contains(
            "\"v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}\""
        ),
        "{declaration}"
    );
    assert_eq!(endpoint_of(readme, "QueryContract"), declaration);
}
