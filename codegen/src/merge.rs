//! `merge`: the API description's facts and WeChat Pay's own SDK models → the facts the catalog
//! follows.
//!
//! The description (`facts.json`, a community API description) covers every documented
//! operation but is wrong in places WeChat Pay's real answers expose; the official SDKs
//! (`facts_go.json` from wechatpay-go, `facts_java.json` from wechatpay-java) cover fewer
//! operations, from the models WeChat Pay's own clients decode with. The merge keeps the
//! description's reach and follows the official models where they speak. Its rules, each checked
//! by a unit test of this module:
//!
//! 1. **Operations**: the union of the description and the official SDKs, matched by host,
//!    method and path with placeholder names normalised (`{id}` ≡ `{transaction_id}`). Where both
//!    have the operation, the description's path and placeholder names win (the official path
//!    parameters are renamed by position); an official-only operation is added with its facts,
//!    in the sorted position (host, path, method), and goes in its URL family like the others.
//! 2. **Type class** (`string` / `integer` / `number` / `boolean` / `object` / `array` / `any`):
//!    where the sources disagree, the official model wins, unless a settlement with a reason says
//!    the official one is out of date. Two official models that disagree need a settlement. A
//!    format (`fmt`) the official model gives wins too (`double` makes a number `f64`).
//! 3. **Answer fields**: required only where every source that describes the field and states
//!    required-ness (the description; wechatpay-go; not wechatpay-java, which marks nothing)
//!    requires it. Fields an official answer model has that the description lacks are added
//!    (optional unless every stating source requires them); fields the description has that no
//!    official model of the answer has stay, optional.
//! 4. **Request fields** (path, query, form and body, at any depth): a field an official model
//!    requires is declared and required; official request fields the description lacks are
//!    added; where the official model states a request field optional, it is optional. A request
//!    field the description requires that the official models of the same object lack is kept,
//!    optional (no official client sends it); headers are the description's alone.
//! 5. **Names**: fields are matched by wire name; the Chinese names follow the description (the
//!    official one fills a missing name). Two sources spelling the same field differently (equal
//!    but for case and `_`) is a disagreement that needs a settlement; so is a field the
//!    description sends in one place (path, query, body) and an official model in another.
//! 6. **Enums**: the allowed values are the union (the generated enums stay open). An enum the
//!    official model types differently follows it: values disjoint from the official ones give
//!    way to them (an enum attached to the wrong field). An official plain value (no values
//!    listed) keeps the description's values: the generated enum is open (an unknown value is
//!    kept as text), so the listed values help a merchant and can never refuse an answer; a
//!    settlement `take: official` drops them.
//! 7. **Answer kind**: an operation the description answers with no body (`kind: none`) that an
//!    official model decodes answers JSON with the official schema. Other kind disagreements
//!    need a settlement.
//! 8. **Sensitive marks**: a field is sensitive (encrypted on the wire) when any source says so.
//! 9. Nested objects and arrays are merged recursively by the same rules.
//!
//! **Where no stating official model speaks** (about 85% of the operations: those no official
//! SDK covers, the answers only wechatpay-java describes, and the description's fields no
//! official model has), the description's required answer flags are unverified. The rule
//! ([`UNCOVERED_RULE`]): every such field is optional. The evidence, measured on the answers a
//! stating official model describes ([`Evidence`], printed by `wechatpay-codegen check`): the
//! official model also requires only about 85% of the fields the description requires, and no
//! kind of field recognisable without an official model comes near 100% (top-level scalars about
//! 89%, top-level echoes of a request field about 91%, nested fields about 82%, objects and arrays
//! 56–64%, and about 73% in the answers that contain a whole request body, the description's known
//! quirk of reusing a request schema for an answer). A required field WeChat Pay leaves out makes
//! the whole answer fail to decode, after the call may have moved money; an optional one costs an
//! `Option`. When in doubt, `Option`: an answer type must never refuse an answer WeChat Pay really
//! sends. A settlement (`take: required`, about `answer-unverified`) keeps a field required where
//! an official page is known to guarantee it.
//!
//! **Settlements** (`codegen/settlements.yaml`, read by [`read_settlements`]) decide a
//! disagreement the rules leave open, or overrule a rule where a source is known wrong; each
//! names the operation (`METHOD path`, `hk:METHOD path` on another host), the field
//! (`answer.amount.total`, `body.scene_info`, `query.mchid`, `path.id`; arrays are transparent;
//! `answer` alone for the answer's kind), what to take (`description`, `official`, an official
//! source's name such as `wechatpay-go`, `required`, `optional`), optionally what it is `about`
//! (a [`Class`] key, when one field has several disagreements), its `reason` and its `source`.
//! An entry that no longer applies is an error, as in `overrides.yaml`; so is a disagreement the
//! rules do not settle and no entry settles.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::facts::{Answer, Facts, Field, Operation, Schema};

/// The rule for the answers no stating official model describes, as the README gives it.
pub const UNCOVERED_RULE: &str = "a required answer field that no stating official model \
describes is optional (a settlement may keep one required)";

/// One settlement: how a disagreement between the sources is decided, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    /// `METHOD path` as the description writes it (`hk:METHOD path` on another host).
    pub operation: String,
    /// Where: `answer.amount.total`, `body.scene_info`, `query.mchid`, `answer`.
    pub field: String,
    /// What to take: `description`, `official`, an official source (`wechatpay-go`), `required`
    /// or `optional`.
    pub take: String,
    /// The [`Class`] key the entry is about, when the field has several disagreements.
    #[serde(default)]
    pub about: Option<String>,
    /// Why.
    pub reason: String,
    /// Where the right fact comes from.
    pub source: String,
}

/// The settlements file, in the order it lists them.
pub type Settlements = Vec<Settlement>;

/// Reads the settlements file (`codegen/settlements.yaml`).
///
/// # Errors
/// When it cannot be read or parsed, or an entry lacks its reason or source, or takes something
/// no disagreement can take.
pub fn read_settlements(path: &Path) -> Result<Settlements, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    parse_settlements(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// Parses the text of a settlements file (see [`read_settlements`]).
///
/// # Errors
/// As [`read_settlements`].
pub fn parse_settlements(text: &str) -> Result<Settlements, String> {
    let entries: Option<Settlements> = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let entries = entries.unwrap_or_default();
    for entry in &entries {
        let at = format!("the settlement of {} {}", entry.operation, entry.field);
        if entry.reason.trim().is_empty() || entry.source.trim().is_empty() {
            return Err(format!("{at} needs a reason and a source"));
        }
        if entry.take.trim().is_empty() {
            return Err(format!("{at} says nothing to take"));
        }
        if let Some(about) = &entry.about
            && Class::from_key(about).is_none()
        {
            return Err(format!(
                "{at}: `about: {about}` is not a class ({})",
                Class::ALL
                    .iter()
                    .map(|c| c.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(entries)
}

/// A kind of disagreement between the sources (or of change the merge makes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// An operation only an official SDK declares.
    OperationOnlyOfficial,
    /// An operation only the description declares.
    OperationOnlyDescription,
    /// Path placeholders named differently.
    Placeholder,
    /// A field spelt differently (equal but for case and `_`).
    WireName,
    /// A field sent in different places (path, query, form, body).
    Location,
    /// The type class differs between the description and the official model.
    TypeClass,
    /// Two official models give different type classes.
    OfficialsDisagree,
    /// The official format differs.
    Format,
    /// An answer field the description requires and an official model makes optional.
    AnswerRequiredToOptional,
    /// An answer field the description makes optional and an official model requires.
    AnswerOptionalKept,
    /// An answer field the description has and no official model of the answer has.
    AnswerAbsentOfficially,
    /// An answer field an official model has and the description lacks.
    AnswerAdded,
    /// A required answer field no stating source verifies, made optional by the uncovered rule.
    AnswerUnverified,
    /// A request field an official model has and the description lacks.
    RequestAdded,
    /// A request field an official model requires and the description makes optional.
    RequestRequired,
    /// A request field an official model makes optional and the description requires.
    RequestOptional,
    /// A request field the description requires and a stating official model of it lacks.
    RequestAbsentOfficially,
    /// Enum values an official model adds.
    EnumAdded,
    /// Enum values disjoint from the official ones, replaced by them.
    EnumMoved,
    /// Enum values on a field an official model types as a plain value: kept (the enum is open,
    /// and a model that lists no values says nothing against them).
    EnumDropped,
    /// The answer's kind (`json`, `none`, `download`) differs.
    AnswerKind,
    /// A field one source marks sensitive and another does not.
    Sensitive,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: &'static [Class] = &[
        Class::OperationOnlyOfficial,
        Class::OperationOnlyDescription,
        Class::Placeholder,
        Class::WireName,
        Class::Location,
        Class::TypeClass,
        Class::OfficialsDisagree,
        Class::Format,
        Class::AnswerRequiredToOptional,
        Class::AnswerOptionalKept,
        Class::AnswerAbsentOfficially,
        Class::AnswerAdded,
        Class::AnswerUnverified,
        Class::RequestAdded,
        Class::RequestRequired,
        Class::RequestOptional,
        Class::RequestAbsentOfficially,
        Class::EnumAdded,
        Class::EnumMoved,
        Class::EnumDropped,
        Class::AnswerKind,
        Class::Sensitive,
    ];

    /// The key a settlement's `about` names.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Class::OperationOnlyOfficial => "operation-only-official",
            Class::OperationOnlyDescription => "operation-only-description",
            Class::Placeholder => "placeholder",
            Class::WireName => "name",
            Class::Location => "location",
            Class::TypeClass => "type",
            Class::OfficialsDisagree => "officials",
            Class::Format => "format",
            Class::AnswerRequiredToOptional => "answer-required",
            Class::AnswerOptionalKept => "answer-optional",
            Class::AnswerAbsentOfficially => "answer-absent",
            Class::AnswerAdded => "answer-added",
            Class::AnswerUnverified => "answer-unverified",
            Class::RequestAdded => "request-added",
            Class::RequestRequired => "request-required",
            Class::RequestOptional => "request-optional",
            Class::RequestAbsentOfficially => "request-absent",
            Class::EnumAdded => "enum-added",
            Class::EnumMoved => "enum-moved",
            Class::EnumDropped => "enum-dropped",
            Class::AnswerKind => "kind",
            Class::Sensitive => "sensitive",
        }
    }

    fn from_key(key: &str) -> Option<Class> {
        Class::ALL.iter().copied().find(|class| class.key() == key)
    }

    /// What the class is, for the report.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Class::OperationOnlyOfficial => "operations only an official SDK declares",
            Class::OperationOnlyDescription => "operations only the description declares",
            Class::Placeholder => "path placeholders named differently",
            Class::WireName => "fields spelt differently",
            Class::Location => "fields sent in different places",
            Class::TypeClass => "type class: description ≠ official",
            Class::OfficialsDisagree => "type class: official ≠ official",
            Class::Format => "format: official differs",
            Class::AnswerRequiredToOptional => "answer required here, optional officially",
            Class::AnswerOptionalKept => "answer optional here, required officially",
            Class::AnswerAbsentOfficially => "answer field absent officially",
            Class::AnswerAdded => "answer field added from an official model",
            Class::AnswerUnverified => "answer required, no stating source (uncovered)",
            Class::RequestAdded => "request field added from an official model",
            Class::RequestRequired => "request field required officially",
            Class::RequestOptional => "request field optional officially",
            Class::RequestAbsentOfficially => "request field required here, absent officially",
            Class::EnumAdded => "enum values added",
            Class::EnumMoved => "enum values disjoint from the official ones",
            Class::EnumDropped => "enum on a plain official value",
            Class::AnswerKind => "answer kind differs",
            Class::Sensitive => "sensitive mark differs",
        }
    }

    /// How the rules settle the class, or `None` when only a settlement can.
    #[must_use]
    pub fn rule(self) -> Option<&'static str> {
        Some(match self {
            Class::OperationOnlyOfficial => "added with its official facts",
            Class::OperationOnlyDescription => "kept; the uncovered rule applies",
            Class::Placeholder => "the description's names",
            Class::WireName | Class::Location | Class::OfficialsDisagree => return None,
            Class::TypeClass => "the official model's",
            Class::Format => "the official model's",
            Class::AnswerRequiredToOptional => "optional",
            Class::AnswerOptionalKept => "optional",
            Class::AnswerAbsentOfficially => "kept, optional",
            Class::AnswerAdded => "added, optional unless every stating source requires it",
            Class::AnswerUnverified => "optional (the uncovered rule)",
            Class::RequestAdded => "added, as the official model states",
            Class::RequestRequired => "required",
            Class::RequestOptional => "optional",
            Class::RequestAbsentOfficially => "kept, optional",
            Class::EnumAdded => "the union",
            Class::EnumMoved => "the official values",
            Class::EnumDropped => "the description's values, kept (open)",
            Class::AnswerKind => "JSON with the official schema, where the description has none",
            Class::Sensitive => "sensitive",
        })
    }
}

/// How the disagreements of one class were settled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Settled by the class's rule.
    pub rule: usize,
    /// Settled by an entry of `settlements.yaml`.
    pub settlement: usize,
    /// Not settled: where (an error).
    pub unsettled: Vec<String>,
    /// Every place settled, `METHOD path field`.
    pub places: Vec<String>,
}

impl Tally {
    /// How many there were.
    #[must_use]
    pub fn count(&self) -> usize {
        self.rule + self.settlement + self.unsettled.len()
    }
}

/// The done criteria, counted between some facts and the official models.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Fields whose type class differs from an official model's.
    pub type_mismatches: usize,
    /// Answer fields required here that an official answer model makes optional or lacks.
    pub answer_required_not_official: usize,
    /// Request fields an official model requires that are missing or optional here.
    pub request_required_missing: usize,
    /// Official operations not declared here.
    pub official_undeclared: usize,
    /// Operations answered with no body here that an official model decodes.
    pub unit_answers_decoded: usize,
    /// Differences kept on purpose by a settlement (not counted above).
    pub kept_by_settlement: usize,
}

impl Measure {
    /// The sum of the criteria (what must be 0 after the merge).
    #[must_use]
    pub fn total(&self) -> usize {
        self.type_mismatches
            + self.answer_required_not_official
            + self.request_required_missing
            + self.official_undeclared
            + self.unit_answers_decoded
    }
}

/// The required answer fields of one family, before and after the merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyShare {
    /// The family (URL segment).
    pub family: String,
    /// Answer fields (at any depth) in the description, and how many are required.
    pub before: (usize, usize),
    /// The same in the merged facts.
    pub after: (usize, usize),
}

/// What the covered operations show about the description's required answer fields: per kind of
/// field, how many the description requires in the answers a stating official model describes,
/// and how many of those the official model requires too (the rest it makes optional or lacks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// `(kind, (required by the description in an answer a stating official model describes,
    /// also required there))`.
    pub kinds: BTreeMap<String, (usize, usize)>,
}

/// What the merge did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per class.
    pub classes: BTreeMap<Class, Tally>,
    /// The done criteria for the description alone.
    pub before: Measure,
    /// The done criteria for the merged facts.
    pub after: Measure,
    /// Required answer fields per family.
    pub families: Vec<FamilyShare>,
    /// The evidence for the uncovered rule.
    pub evidence: Evidence,
    /// Operations: the description's, the official ones (distinct), covered (both), merged.
    pub operations: (usize, usize, usize, usize),
    /// Settlements that no longer apply.
    pub stale: Vec<String>,
}

impl Report {
    /// Every error: unsettled disagreements and stale settlements.
    #[must_use]
    pub fn errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        for (class, tally) in &self.classes {
            for at in &tally.unsettled {
                errors.push(format!(
                    "unsettled ({}: {}): {at}; add a settlement to codegen/settlements.yaml",
                    class.key(),
                    class.title()
                ));
            }
        }
        errors.extend(self.stale.iter().cloned());
        errors
    }

    /// The report as text: operations, the done criteria before and after, every class with how
    /// it was settled (the first three places of each, or all of them when `all`), the evidence
    /// for the uncovered rule and the required share per family.
    #[must_use]
    pub fn to_text(&self, all: bool) -> String {
        let mut out = String::new();
        let (description, official, covered, merged) = self.operations;
        let _ = writeln!(
            out,
            "operations: {description} described, {official} in the official SDKs, {covered} in both, {merged} merged"
        );
        let _ = writeln!(out, "\nagainst the official models        before  after");
        for (label, before, after) in [
            (
                "type class mismatches",
                self.before.type_mismatches,
                self.after.type_mismatches,
            ),
            (
                "answer required, optional/absent",
                self.before.answer_required_not_official,
                self.after.answer_required_not_official,
            ),
            (
                "request required officially, not here",
                self.before.request_required_missing,
                self.after.request_required_missing,
            ),
            (
                "official operations undeclared",
                self.before.official_undeclared,
                self.after.official_undeclared,
            ),
            (
                "response = () with an official body",
                self.before.unit_answers_decoded,
                self.after.unit_answers_decoded,
            ),
            (
                "kept on purpose by a settlement",
                self.before.kept_by_settlement,
                self.after.kept_by_settlement,
            ),
        ] {
            let _ = writeln!(out, "  {label:<36} {before:>6} {after:>6}");
        }
        let _ = writeln!(
            out,
            "\nclass                                              count   rule  settl. unsettled  (rule)"
        );
        for class in Class::ALL {
            let Some(tally) = self.classes.get(class) else {
                continue;
            };
            let _ = writeln!(
                out,
                "  {:<48} {:>6} {:>6} {:>6} {:>6}     {}",
                class.title(),
                tally.count(),
                tally.rule,
                tally.settlement,
                tally.unsettled.len(),
                class.rule().unwrap_or("(settlement only)")
            );
            for example in tally.places.iter().take(if all { usize::MAX } else { 3 }) {
                let _ = writeln!(out, "      e.g. {example}");
            }
        }
        let _ = writeln!(
            out,
            "\nevidence: the description's required answer fields where a stating official model describes the answer"
        );
        let _ = writeln!(
            out,
            "  kind                                       required  also officially  share"
        );
        for (kind, (described, required)) in &self.evidence.kinds {
            let _ = writeln!(
                out,
                "  {kind:<42} {described:>8} {required:>16}  {}",
                percent(*required, *described)
            );
        }
        let _ = writeln!(out, "  uncovered rule: {UNCOVERED_RULE}");
        let _ = writeln!(
            out,
            "\nrequired answer fields per family         before                 after"
        );
        let mut all = FamilyShare {
            family: "all".into(),
            ..FamilyShare::default()
        };
        for family in &self.families {
            all.before.0 += family.before.0;
            all.before.1 += family.before.1;
            all.after.0 += family.after.0;
            all.after.1 += family.after.1;
        }
        for family in self.families.iter().chain(std::iter::once(&all)) {
            let _ = writeln!(
                out,
                "  {:<32} {:>5}/{:<5} {:>6}   {:>5}/{:<5} {:>6}",
                family.family,
                family.before.1,
                family.before.0,
                percent(family.before.1, family.before.0),
                family.after.1,
                family.after.0,
                percent(family.after.1, family.after.0)
            );
        }
        for error in self.errors() {
            let _ = writeln!(out, "error: {error}");
        }
        out
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".to_owned()
    } else {
        #[allow(clippy::cast_precision_loss)]
        let share = part as f64 * 100.0 / whole as f64;
        format!("{share:.1}%")
    }
}

/// One official model of an operation: its source's name, whether it states required-ness, and
/// the operation (its path and placeholders renamed to the description's, when it has one).
#[derive(Debug, Clone)]
struct Model {
    source: String,
    states: bool,
    operation: Operation,
}

/// The short name of a facts file's source: `wechatpay-apiv3/wechatpay-go@abc` → `wechatpay-go`.
fn source_name(source: &str) -> String {
    let repo = source.split(['@', ' ']).next().unwrap_or(source);
    repo.rsplit('/').next().unwrap_or(repo).to_owned()
}

/// The path with every placeholder's name dropped: `a/{id}/b` → `a/{}/b`.
fn normal_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn placeholder_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|segment| segment.starts_with('{') && segment.ends_with('}'))
        .map(|segment| segment[1..segment.len() - 1].to_owned())
        .collect()
}

type Key = (String, String, String);

fn key(operation: &Operation) -> Key {
    (
        operation.host.clone(),
        operation.method.clone(),
        normal_path(&operation.path),
    )
}

/// The settlement key of an operation: `METHOD path`, `host:METHOD path` off the main host.
fn operation_key(operation: &Operation) -> String {
    if operation.host == "api" {
        format!("{} {}", operation.method, operation.path)
    } else {
        format!("{}:{} {}", operation.host, operation.method, operation.path)
    }
}

/// The class of a type: `integer` and `number` apart; `file` is its own.
fn type_class(schema: &Schema) -> &str {
    schema.t.as_str()
}

/// Whether an object schema describes fields (an object without properties is a free map).
fn describes(schema: &Schema) -> bool {
    schema.t == "object" && !schema.props.is_empty()
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Answer,
}

/// The state of one merge: the settlements (and which were used), the report.
struct Merger<'s> {
    settlements: &'s [Settlement],
    used: Vec<bool>,
    classes: BTreeMap<Class, Tally>,
    /// The settlement key of the operation being merged.
    operation: String,
    /// The official sources' names.
    sources: Vec<String>,
}

/// What a settlement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Take {
    Description,
    Official,
    Source(String),
    Required,
    Optional,
}

impl<'s> Merger<'s> {
    fn new(settlements: &'s [Settlement], sources: Vec<String>) -> Self {
        Merger {
            settlements,
            used: vec![false; settlements.len()],
            classes: BTreeMap::new(),
            operation: String::new(),
            sources,
        }
    }

    /// The settlement for `class` at `at` in the current operation, if any (marked used).
    fn settlement(&mut self, class: Class, at: &str, allowed: &[&str]) -> Option<Take> {
        let found = self.settlements.iter().enumerate().find(|(_, entry)| {
            entry.operation == self.operation
                && entry.field == at
                && entry
                    .about
                    .as_deref()
                    .is_none_or(|about| about == class.key())
                && (allowed.contains(&entry.take.as_str())
                    || (allowed.contains(&"<source>") && self.sources.contains(&entry.take)))
        });
        let (index, entry) = found?;
        self.used[index] = true;
        Some(match entry.take.as_str() {
            "description" => Take::Description,
            "official" => Take::Official,
            "required" => Take::Required,
            "optional" => Take::Optional,
            other => Take::Source(other.to_owned()),
        })
    }

    fn tally(&mut self, class: Class, at: &str, by_settlement: bool) {
        let tally = self.classes.entry(class).or_default();
        if by_settlement {
            tally.settlement += 1;
        } else {
            tally.rule += 1;
        }
        tally
            .places
            .push(format!("{} {at}", self.operation).trim().to_owned());
    }

    fn unsettled(&mut self, class: Class, at: &str, detail: &str) {
        let place = format!("{} {at}: {detail}", self.operation);
        self.classes.entry(class).or_default().unsettled.push(place);
    }

    /// Merges the operation of the description (if any) with its official models.
    fn operation(&mut self, description: Option<&Operation>, models: &[&Model]) -> Operation {
        let base = description.unwrap_or_else(|| &models[0].operation);
        self.operation = operation_key(base);
        let mut merged = base.clone();
        if description.is_none() {
            self.tally(Class::OperationOnlyOfficial, "", false);
            // The other official models are merged into the first.
            merged.params = Vec::new();
            merged.body = None;
            merged.answer = Answer {
                status: base.answer.status,
                kind: base.answer.kind.clone(),
                schema: None,
            };
            for model in models {
                if merged.name.is_empty() {
                    merged.name.clone_from(&model.operation.name);
                }
                for link in &model.operation.links {
                    if !merged.links.contains(link) {
                        merged.links.push(link.clone());
                    }
                }
                for role in &model.operation.roles {
                    if !merged.roles.contains(role) {
                        merged.roles.push(role.clone());
                    }
                }
            }
        } else if models.is_empty() {
            self.tally(Class::OperationOnlyDescription, "", false);
        }
        // The request: parameters and body fields merged as one list, by wire name.
        let describing: Vec<&Model> = models.to_vec();
        let description_inputs: Option<Vec<Field>> = description.map(|operation| {
            operation
                .params
                .iter()
                .cloned()
                .chain(operation.body.iter().flatten().cloned())
                .collect()
        });
        let official_inputs: Vec<(&Model, Vec<Field>)> = describing
            .iter()
            .map(|model| {
                (
                    *model,
                    model
                        .operation
                        .params
                        .iter()
                        .cloned()
                        .chain(model.operation.body.iter().flatten().cloned())
                        .collect(),
                )
            })
            .collect();
        let official_refs: Vec<(&Model, &[Field])> = official_inputs
            .iter()
            .map(|(model, fields)| (*model, fields.as_slice()))
            .collect();
        let inputs = self.fields(
            Side::Request,
            "",
            description_inputs.as_deref(),
            &official_refs,
            true,
        );
        let has_body = description.is_some_and(|operation| operation.body.is_some())
            || models.iter().any(|model| model.operation.body.is_some());
        merged.params = inputs
            .iter()
            .filter(|field| !field.loc.is_empty())
            .cloned()
            .collect();
        let body: Vec<Field> = inputs
            .into_iter()
            .filter(|field| field.loc.is_empty())
            .collect();
        merged.body = if has_body || !body.is_empty() {
            Some(body)
        } else {
            None
        };
        merged.answer = self.answer(description, models);
        // The call's official name: the first SDK's (Go's, then Java's).
        if merged.sdk.is_none() {
            merged.sdk = models.iter().find_map(|model| model.operation.sdk.clone());
        }
        merged
    }

    fn answer(&mut self, description: Option<&Operation>, models: &[&Model]) -> Answer {
        let json_models: Vec<(&Model, &Schema)> = models
            .iter()
            .filter(|model| model.operation.answer.kind == "json")
            .filter_map(|model| {
                model
                    .operation
                    .answer
                    .schema
                    .as_ref()
                    .map(|schema| (*model, schema))
            })
            .collect();
        let Some(description) = description else {
            // Official only: the official answers merged.
            let first = &models[0].operation.answer;
            let schema = if json_models.is_empty() {
                None
            } else {
                Some(self.schema(Side::Answer, "answer", None, &json_models))
            };
            return Answer {
                status: first.status,
                kind: if schema.is_some() {
                    "json".to_owned()
                } else {
                    first.kind.clone()
                },
                schema,
            };
        };
        let mut answer = description.answer.clone();
        let official_kinds: BTreeSet<&str> = models
            .iter()
            .map(|model| model.operation.answer.kind.as_str())
            .collect();
        let disagree = official_kinds
            .iter()
            .any(|kind| *kind != description.answer.kind);
        if disagree {
            let detail = format!(
                "the description answers `{}`, the official models {}",
                description.answer.kind,
                official_kinds
                    .iter()
                    .map(|kind| format!("`{kind}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match self.settlement(Class::AnswerKind, "answer", &["description", "official"]) {
                Some(Take::Description) => {
                    self.tally(Class::AnswerKind, "answer", true);
                    return self.unverified_answer(answer);
                }
                Some(_) if !json_models.is_empty() => {
                    self.tally(Class::AnswerKind, "answer", true);
                    let schema = self.schema(Side::Answer, "answer", None, &json_models);
                    return Answer {
                        status: 200,
                        kind: "json".to_owned(),
                        schema: Some(schema),
                    };
                }
                Some(_) => {
                    self.tally(Class::AnswerKind, "answer", true);
                    let official = &models[0].operation.answer;
                    return Answer {
                        status: official.status,
                        kind: official.kind.clone(),
                        schema: None,
                    };
                }
                None if description.answer.kind == "none"
                    && official_kinds.len() == 1
                    && !json_models.is_empty() =>
                {
                    self.tally(Class::AnswerKind, "answer", false);
                    let schema = self.schema(Side::Answer, "answer", None, &json_models);
                    return Answer {
                        status: 200,
                        kind: "json".to_owned(),
                        schema: Some(schema),
                    };
                }
                None => {
                    self.unsettled(Class::AnswerKind, "answer", &detail);
                    return answer;
                }
            }
        }
        match (&description.answer.schema, json_models.is_empty()) {
            (Some(schema), false) => {
                answer.schema =
                    Some(self.schema(Side::Answer, "answer", Some(schema), &json_models));
                answer
            }
            _ => self.unverified_answer(answer),
        }
    }

    /// An answer no stating official model describes: the uncovered rule.
    fn unverified_answer(&mut self, mut answer: Answer) -> Answer {
        if let Some(schema) = answer.schema.as_mut() {
            for field in &mut schema.props {
                let at = format!("answer.{}", field.n);
                if field.req {
                    self.unverified(&at, field);
                }
                self.unverified_schema(&at, &mut field.ty);
            }
            if let Some(items) = schema.items.as_deref_mut() {
                self.unverified_schema("answer", items);
            }
        }
        answer
    }

    /// A required answer field nothing verifies: optional, unless a settlement says required.
    fn unverified(&mut self, at: &str, field: &mut Field) {
        let class = Class::AnswerUnverified;
        match self.settlement(class, at, &["required", "optional"]) {
            Some(Take::Required) => self.tally(class, at, true),
            Some(_) => {
                field.req = false;
                self.tally(class, at, true);
            }
            None => {
                field.req = false;
                self.tally(class, at, false);
            }
        }
    }

    fn unverified_schema(&mut self, at: &str, schema: &mut Schema) {
        if let Some(items) = schema.items.as_deref_mut() {
            self.unverified_schema(at, items);
        }
        for field in &mut schema.props {
            let at = format!("{at}.{}", field.n);
            if field.req {
                self.unverified(&at, field);
            }
            self.unverified_schema(&at, &mut field.ty);
        }
    }

    /// Merges the fields of one object (or the request's inputs, `at` empty): the description's
    /// (if it describes the object) with those of the official models describing it.
    fn fields(
        &mut self,
        side: Side,
        at: &str,
        description: Option<&[Field]>,
        officials: &[(&Model, &[Field])],
        request_top: bool,
    ) -> Vec<Field> {
        let join = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        // Official names that spell a description field differently: settled to one name.
        let mut rename: BTreeMap<String, String> = BTreeMap::new();
        let mut description_rename: BTreeMap<String, String> = BTreeMap::new();
        if let Some(described) = description {
            for (_, fields) in officials {
                for field in *fields {
                    if described.iter().any(|known| known.n == field.n)
                        || rename.contains_key(&field.n)
                    {
                        continue;
                    }
                    let Some(known) = described
                        .iter()
                        .find(|known| squash(&known.n) == squash(&field.n))
                    else {
                        continue;
                    };
                    let place = join(&self.place(side, known, request_top));
                    match self.settlement(Class::WireName, &place, &["description", "official"]) {
                        Some(Take::Description) => {
                            self.tally(Class::WireName, &place, true);
                            rename.insert(field.n.clone(), known.n.clone());
                        }
                        Some(_) => {
                            self.tally(Class::WireName, &place, true);
                            rename.insert(field.n.clone(), field.n.clone());
                            description_rename.insert(known.n.clone(), field.n.clone());
                        }
                        None => self.unsettled(
                            Class::WireName,
                            &place,
                            &format!("`{}` here, `{}` officially", known.n, field.n),
                        ),
                    }
                }
            }
        }
        let renamed = |field: &Field, map: &BTreeMap<String, String>| -> Field {
            let mut field = field.clone();
            if let Some(name) = map.get(&field.n) {
                field.n.clone_from(name);
            }
            field
        };
        let description: Option<Vec<Field>> = description.map(|fields| {
            fields
                .iter()
                .map(|field| renamed(field, &description_rename))
                .collect()
        });
        let officials: Vec<(&Model, Vec<Field>)> = officials
            .iter()
            .map(|(model, fields)| {
                (
                    *model,
                    fields.iter().map(|field| renamed(field, &rename)).collect(),
                )
            })
            .collect();
        let mut names: Vec<String> = Vec::new();
        for field in description.iter().flatten() {
            if !names.contains(&field.n) {
                names.push(field.n.clone());
            }
        }
        for (_, fields) in &officials {
            for field in fields {
                if !names.contains(&field.n) {
                    names.push(field.n.clone());
                }
            }
        }
        let mut out = Vec::new();
        for name in names {
            let mine = description.iter().flatten().find(|field| field.n == name);
            let theirs: Vec<(&Model, &Field)> = officials
                .iter()
                .filter_map(|(model, fields)| {
                    fields
                        .iter()
                        .find(|field| field.n == name)
                        .map(|field| (*model, field))
                })
                .collect();
            let describers: Vec<&Model> = officials.iter().map(|(model, _)| *model).collect();
            out.push(self.field(side, at, mine, &theirs, &describers, request_top));
        }
        out
    }

    /// Where a field is, for settlements: `body.x` / `query.x` / `answer.x`.
    fn place(&self, side: Side, field: &Field, request_top: bool) -> String {
        match side {
            Side::Answer => field.n.clone(),
            Side::Request if request_top => {
                let loc = if field.loc.is_empty() {
                    "body"
                } else {
                    field.loc.as_str()
                };
                format!("{loc}.{}", field.n)
            }
            Side::Request => field.n.clone(),
        }
    }

    #[allow(clippy::too_many_lines)]
    fn field(
        &mut self,
        side: Side,
        at: &str,
        mine: Option<&Field>,
        theirs: &[(&Model, &Field)],
        describers: &[&Model],
        request_top: bool,
    ) -> Field {
        let first = mine.unwrap_or_else(|| theirs[0].1);
        let place = {
            let name = self.place(side, first, request_top);
            if at.is_empty() {
                name
            } else {
                format!("{at}.{name}")
            }
        };
        let mut out = first.clone();
        if out.cn.is_empty()
            && let Some((_, field)) = theirs.iter().find(|(_, field)| !field.cn.is_empty())
        {
            out.cn.clone_from(&field.cn);
        }
        // Location (request inputs only).
        if side == Side::Request && request_top {
            let official_locs: BTreeSet<&str> =
                theirs.iter().map(|(_, field)| field.loc.as_str()).collect();
            match mine {
                Some(mine) if official_locs.iter().any(|loc| *loc != mine.loc) => {
                    match self.settlement(Class::Location, &place, &["description", "official"]) {
                        Some(Take::Description) => self.tally(Class::Location, &place, true),
                        Some(_) if official_locs.len() == 1 => {
                            self.tally(Class::Location, &place, true);
                            out.loc = theirs[0].1.loc.clone();
                        }
                        _ => self.unsettled(
                            Class::Location,
                            &place,
                            &format!(
                                "`{}` in the description, {} officially",
                                if mine.loc.is_empty() {
                                    "body"
                                } else {
                                    &mine.loc
                                },
                                official_locs
                                    .iter()
                                    .map(|loc| if loc.is_empty() { "body" } else { loc })
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    }
                }
                None if official_locs.len() > 1 => self.unsettled(
                    Class::Location,
                    &place,
                    "the official models send it in different places",
                ),
                _ => {}
            }
        }
        // Sensitive marks: the union.
        let sensitive = mine.is_some_and(|field| field.sens) || theirs.iter().any(|(_, f)| f.sens);
        let differ = sensitive != out.sens || theirs.iter().any(|(_, f)| f.sens != sensitive);
        if differ && mine.is_some() && !theirs.is_empty() {
            self.tally(Class::Sensitive, &place, false);
        }
        out.sens = sensitive;
        // The type.
        let official_types: Vec<(&Model, &Schema)> = theirs
            .iter()
            .map(|(model, field)| (*model, &field.ty))
            .collect();
        out.ty = self.schema(side, &place, mine.map(|field| &field.ty), &official_types);
        // Required-ness.
        let stating: Vec<bool> = theirs
            .iter()
            .filter(|(model, _)| model.states)
            .map(|(_, field)| field.req)
            .collect();
        match side {
            Side::Answer => {
                // What the stating models describing this object say: required only when each
                // has the field and requires it (`None` when no stating model describes it).
                let stating_describers: Vec<&Model> = describers
                    .iter()
                    .filter(|model| model.states)
                    .copied()
                    .collect();
                let verdict = if stating_describers.is_empty() {
                    None
                } else {
                    Some(stating_describers.iter().all(|model| {
                        theirs
                            .iter()
                            .any(|(other, field)| std::ptr::eq(*other, *model) && field.req)
                    }))
                };
                match mine {
                    Some(mine) if theirs.is_empty() && !describers.is_empty() => {
                        // Absent from every official model of this answer.
                        if mine.req {
                            let class = Class::AnswerAbsentOfficially;
                            match self.settlement(class, &place, &["required", "optional"]) {
                                Some(Take::Required) => self.tally(class, &place, true),
                                Some(_) => {
                                    out.req = false;
                                    self.tally(class, &place, true);
                                }
                                None => {
                                    out.req = false;
                                    self.tally(class, &place, false);
                                }
                            }
                        }
                        self.unverified_schema(&place, &mut out.ty);
                    }
                    Some(mine) => match verdict {
                        None if mine.req => self.unverified(&place, &mut out),
                        Some(false) if mine.req => {
                            let class = Class::AnswerRequiredToOptional;
                            out.req = false;
                            match self.settlement(class, &place, &["required", "optional"]) {
                                Some(take) => {
                                    out.req = take == Take::Required;
                                    self.tally(class, &place, true);
                                }
                                None => self.tally(class, &place, false),
                            }
                        }
                        Some(true) if !mine.req => {
                            self.tally(Class::AnswerOptionalKept, &place, false);
                        }
                        Some(true) => {
                            // Every source requires it: a settlement may still know better.
                            if let Some(Take::Optional) = self.settlement(
                                Class::AnswerRequiredToOptional,
                                &place,
                                &["optional"],
                            ) {
                                out.req = false;
                                self.tally(Class::AnswerRequiredToOptional, &place, true);
                            }
                        }
                        _ => {}
                    },
                    None => {
                        out.req = verdict.unwrap_or(false);
                        let mut by_settlement = false;
                        if out.req
                            && let Some(Take::Optional) =
                                self.settlement(Class::AnswerAdded, &place, &["optional"])
                        {
                            out.req = false;
                            by_settlement = true;
                        }
                        self.tally(Class::AnswerAdded, &place, by_settlement);
                    }
                }
            }
            Side::Request => {
                let official_req = if stating.is_empty() {
                    None
                } else {
                    Some(stating.iter().any(|req| *req))
                };
                match (mine, official_req) {
                    (Some(mine), None)
                        if mine.req
                            && theirs.is_empty()
                            && !describers.is_empty()
                            && mine.loc != "header" =>
                    {
                        // Every official model of this request lacks it: none requires it.
                        let class = Class::RequestAbsentOfficially;
                        out.req = false;
                        match self.settlement(class, &place, &["required", "optional"]) {
                            Some(take) => {
                                out.req = take == Take::Required;
                                self.tally(class, &place, true);
                            }
                            None => self.tally(class, &place, false),
                        }
                    }
                    (None, required) => {
                        out.req = required.unwrap_or(false);
                        self.tally(Class::RequestAdded, &place, false);
                    }
                    (Some(mine), Some(required)) if mine.req != required => {
                        let class = if required {
                            Class::RequestRequired
                        } else {
                            Class::RequestOptional
                        };
                        out.req = required;
                        match self.settlement(class, &place, &["required", "optional"]) {
                            Some(take) => {
                                out.req = take == Take::Required;
                                self.tally(class, &place, true);
                            }
                            None => self.tally(class, &place, false),
                        }
                    }
                    _ => {}
                }
                // Path parameters are always required.
                if out.loc == "path" {
                    out.req = true;
                }
            }
        }
        out
    }

    /// Merges a type: the description's (if any) with the official models'.
    #[allow(clippy::too_many_lines)]
    fn schema(
        &mut self,
        side: Side,
        at: &str,
        mine: Option<&Schema>,
        theirs: &[(&Model, &Schema)],
    ) -> Schema {
        if theirs.is_empty() {
            return mine.cloned().unwrap_or_else(|| Schema {
                t: "any".into(),
                fmt: None,
                en: Vec::new(),
                ex: None,
                props: Vec::new(),
                items: None,
                cipher: false,
                redact: false,
                model: None,
            });
        }
        // The official models among themselves.
        let official_classes: BTreeSet<&str> = theirs
            .iter()
            .map(|(_, schema)| type_class(schema))
            .collect();
        let mut theirs: Vec<(&Model, &Schema)> = theirs.to_vec();
        if official_classes.len() > 1 {
            match self.settlement(Class::OfficialsDisagree, at, &["<source>"]) {
                Some(Take::Source(source)) => {
                    self.tally(Class::OfficialsDisagree, at, true);
                    let kept: Vec<(&Model, &Schema)> = theirs
                        .iter()
                        .filter(|(model, _)| model.source == source)
                        .copied()
                        .collect();
                    if !kept.is_empty() {
                        theirs = kept;
                    }
                }
                _ => {
                    self.unsettled(
                        Class::OfficialsDisagree,
                        at,
                        &theirs
                            .iter()
                            .map(|(model, schema)| format!("{} `{}`", model.source, schema.t))
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                    theirs.truncate(1);
                }
            }
        }
        let official_class = type_class(theirs[0].1).to_owned();
        let mut mine = mine;
        if let Some(schema) = mine
            && type_class(schema) != official_class
        {
            let noted = format!("{at} ({} → {official_class})", schema.t);
            match self.settlement(Class::TypeClass, at, &["description", "official"]) {
                Some(Take::Description) => {
                    self.tally(Class::TypeClass, &noted, true);
                    return schema.clone();
                }
                Some(_) => {
                    self.tally(Class::TypeClass, &noted, true);
                    mine = None;
                }
                None => {
                    self.tally(Class::TypeClass, &noted, false);
                    mine = None;
                }
            }
        }
        let base = mine.unwrap_or(theirs[0].1);
        let mut out = Schema {
            t: official_class.clone(),
            fmt: base.fmt.clone(),
            en: Vec::new(),
            ex: base.ex.clone(),
            props: Vec::new(),
            items: None,
            cipher: base.cipher || theirs.iter().any(|(_, schema)| schema.cipher),
            redact: base.redact || theirs.iter().any(|(_, schema)| schema.redact),
            model: theirs.iter().find_map(|(_, schema)| schema.model.clone()),
        };
        if out.ex.is_none() {
            out.ex = theirs.iter().find_map(|(_, schema)| schema.ex.clone());
        }
        // The format: the official one wins where it gives one.
        if let Some(fmt) = theirs.iter().find_map(|(_, schema)| schema.fmt.clone())
            && mine.is_some()
            && out.fmt.as_ref() != Some(&fmt)
        {
            // Only a number's format changes its Rust type (`double` is `f64`); every integer
            // is `i64`.
            if official_class == "number" {
                let noted = format!("{at} ({:?} → {fmt})", out.fmt);
                self.tally(Class::Format, &noted, false);
            }
            out.fmt = Some(fmt);
        }
        // Enums.
        out.en = self.enums(at, mine, &theirs);
        // Object properties.
        if official_class == "object" {
            let describing: Vec<(&Model, &[Field])> = theirs
                .iter()
                .filter(|(_, schema)| describes(schema))
                .map(|(model, schema)| (*model, schema.props.as_slice()))
                .collect();
            let mine_props = mine.map(|schema| schema.props.as_slice());
            if describing.is_empty() {
                // No official model says what is inside: the description's, unverified.
                out.props = mine_props.unwrap_or_default().to_vec();
                if side == Side::Answer {
                    let mut tmp = out.clone();
                    self.unverified_schema(at, &mut tmp);
                    out.props = tmp.props;
                }
            } else {
                let mine_props = mine_props.filter(|props| !props.is_empty());
                out.props = self.fields(side, at, mine_props, &describing, false);
            }
        }
        // Array items.
        if official_class == "array" {
            let official_items: Vec<(&Model, &Schema)> = theirs
                .iter()
                .filter_map(|(model, schema)| schema.items.as_deref().map(|items| (*model, items)))
                .collect();
            let mine_items = mine.and_then(|schema| schema.items.as_deref());
            out.items = if official_items.is_empty() {
                mine_items.cloned().map(Box::new)
            } else {
                Some(Box::new(self.schema(side, at, mine_items, &official_items)))
            };
        }
        out
    }

    /// The allowed values: the union, unless the official model types the field otherwise.
    fn enums(
        &mut self,
        place: &str,
        mine: Option<&Schema>,
        theirs: &[(&Model, &Schema)],
    ) -> Vec<Value> {
        let mut official: Vec<Value> = Vec::new();
        for (_, schema) in theirs {
            for value in &schema.en {
                if !official.contains(value) {
                    official.push(value.clone());
                }
            }
        }
        let Some(mine) = mine else {
            return official;
        };
        let show = |values: &[Value]| {
            values
                .iter()
                .map(|value| {
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned)
                })
                .collect::<Vec<_>>()
                .join("|")
        };
        let noted = format!(
            "{place} ({} / official {})",
            show(&mine.en),
            show(&official)
        );
        let at = noted.as_str();
        if mine.en.is_empty() {
            if !official.is_empty() {
                self.tally(Class::EnumAdded, at, false);
            }
            return official;
        }
        if official.is_empty() {
            // Every official model has a plain value here.
            if mine.t == "string" {
                match self.settlement(Class::EnumDropped, place, &["description", "official"]) {
                    Some(Take::Description) | None => {
                        self.tally(Class::EnumDropped, at, false);
                        return mine.en.clone();
                    }
                    Some(_) => self.tally(Class::EnumDropped, at, true),
                }
                return Vec::new();
            }
            return mine.en.clone();
        }
        if mine.en.iter().all(|value| !official.contains(value)) {
            match self.settlement(Class::EnumMoved, place, &["description", "official"]) {
                Some(Take::Description) => {
                    self.tally(Class::EnumMoved, at, true);
                    return mine.en.clone();
                }
                Some(_) => self.tally(Class::EnumMoved, at, true),
                None => self.tally(Class::EnumMoved, at, false),
            }
            return official;
        }
        let mut values = mine.en.clone();
        let before = values.len();
        for value in official {
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if values.len() > before {
            self.tally(Class::EnumAdded, at, false);
        }
        values
    }
}

/// The official models, each renamed to the description's path and placeholders where the
/// description has the operation; and the placeholder renamings counted.
fn models(description: &Facts, official: &[Facts], merger: &mut Merger<'_>) -> Vec<(Key, Model)> {
    let by_key: BTreeMap<Key, &Operation> = description
        .operations
        .iter()
        .map(|operation| (key(operation), operation))
        .collect();
    let mut out = Vec::new();
    for facts in official {
        let source = source_name(&facts.source);
        for operation in &facts.operations {
            let key = key(operation);
            let mut operation = operation.clone();
            if let Some(described) = by_key.get(&key)
                && described.path != operation.path
            {
                let theirs = placeholder_names(&operation.path);
                let mine = placeholder_names(&described.path);
                merger.operation = operation_key(described);
                for (from, to) in theirs.iter().zip(&mine) {
                    if from != to {
                        merger.tally(Class::Placeholder, &format!("path.{to}"), false);
                        for param in &mut operation.params {
                            if param.loc == "path" && param.n == *from {
                                param.n.clone_from(to);
                            }
                        }
                    }
                }
                operation.path.clone_from(&described.path);
            }
            out.push((
                key,
                Model {
                    source: source.clone(),
                    states: facts.states_required,
                    operation,
                },
            ));
        }
    }
    out
}

/// The field names of every request body of the description with at least four fields: an answer
/// that has all of one body's fields is shaped like that request (the description's known quirk
/// of reusing a request schema for an answer).
fn request_shapes(description: &Facts) -> Vec<BTreeSet<String>> {
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for operation in &description.operations {
        if let Some(body) = &operation.body
            && body.len() >= 4
        {
            let names: BTreeSet<String> = body.iter().map(|field| field.n.clone()).collect();
            if !out.contains(&names) {
                out.push(names);
            }
        }
    }
    out
}

/// The description's facts, relative to the repository.
pub const DESCRIPTION_FACTS: &str = "codegen/facts.json";
/// The official SDKs' facts, relative to the repository.
pub const OFFICIAL_FACTS: &[&str] = &["codegen/facts_go.json", "codegen/facts_java.json"];
/// The settlements, relative to the repository.
pub const SETTLEMENTS: &str = "codegen/settlements.yaml";

/// Reads the merge's inputs from the repository at `repo`: the description's facts, the official
/// ones and the settlements.
///
/// # Errors
/// When a file cannot be read or parsed.
pub fn read_inputs(repo: &Path) -> Result<(Facts, Vec<Facts>, Settlements), String> {
    let description = Facts::read(&repo.join(DESCRIPTION_FACTS))?;
    let official = OFFICIAL_FACTS
        .iter()
        .map(|path| Facts::read(&repo.join(path)))
        .collect::<Result<Vec<_>, _>>()?;
    let settlements = read_settlements(&repo.join(SETTLEMENTS))?;
    Ok((description, official, settlements))
}

/// The facts the catalog follows, merged from the repository's inputs (see [`read_inputs`]).
///
/// # Errors
/// When an input cannot be read, or the merge fails (see [`merge`]).
pub fn merged(repo: &Path) -> Result<(Facts, Report), String> {
    let (description, official, settlements) = read_inputs(repo)?;
    merge(&description, &official, &settlements)
}

/// Merges the description's facts with the official SDKs' (see the module documentation).
///
/// # Errors
/// When a disagreement is left unsettled or a settlement no longer applies: every such place,
/// one per line.
pub fn merge(
    description: &Facts,
    official: &[Facts],
    settlements: &Settlements,
) -> Result<(Facts, Report), String> {
    let (facts, report) = merge_report(description, official, settlements);
    let errors = report.errors();
    if errors.is_empty() {
        Ok((facts, report))
    } else {
        Err(errors.join("\n"))
    }
}

/// The merge and its report, errors included in the report (for `check`, which prints them).
#[must_use]
pub fn merge_report(
    description: &Facts,
    official: &[Facts],
    settlements: &Settlements,
) -> (Facts, Report) {
    let sources = official
        .iter()
        .map(|facts| source_name(&facts.source))
        .collect();
    let mut merger = Merger::new(settlements, sources);
    let models = models(description, official, &mut merger);
    let shapes = request_shapes(description);
    let mut by_key: BTreeMap<Key, Vec<&Model>> = BTreeMap::new();
    for (key, model) in &models {
        by_key.entry(key.clone()).or_default().push(model);
    }
    let described: BTreeSet<Key> = description.operations.iter().map(key).collect();
    let mut operations = Vec::new();
    let mut covered = 0;
    for operation in &description.operations {
        let models = by_key.get(&key(operation)).cloned().unwrap_or_default();
        if !models.is_empty() {
            covered += 1;
        }
        operations.push(merger.operation(Some(operation), &models));
    }
    for (key, models) in &by_key {
        if !described.contains(key) {
            operations.push(merger.operation(None, models));
        }
    }
    operations.sort_by(|a, b| {
        (a.host.as_str(), a.path.as_str(), a.method.as_str()).cmp(&(
            b.host.as_str(),
            b.path.as_str(),
            b.method.as_str(),
        ))
    });
    let mut sources = vec![description.source.clone()];
    sources.extend(official.iter().map(|facts| facts.source.clone()));
    let merged = Facts {
        source: sources.join(" + "),
        states_required: true,
        operations,
    };
    let stale = settlements
        .iter()
        .zip(&merger.used)
        .filter(|(_, used)| !**used)
        .map(|(entry, _)| {
            format!(
                "the settlement of {} {} (take {}) no longer applies: no such disagreement (remove it from codegen/settlements.yaml)",
                entry.operation, entry.field, entry.take
            )
        })
        .collect();
    let all_models: Vec<&Model> = models.iter().map(|(_, model)| model).collect();
    let report = Report {
        classes: merger.classes,
        before: measure(description, &all_models, settlements),
        after: measure(&merged, &all_models, settlements),
        families: families(description, &merged),
        evidence: evidence(description, &all_models, &shapes),
        operations: (
            description.operations.len(),
            by_key.len(),
            covered,
            merged.operations.len(),
        ),
        stale,
    };
    (merged, report)
}

/// Counts the done criteria of `facts` against the official models.
fn measure(facts: &Facts, models: &[&Model], settlements: &Settlements) -> Measure {
    let by_key: BTreeMap<Key, &Operation> = facts
        .operations
        .iter()
        .map(|operation| (key(operation), operation))
        .collect();
    let mut groups: BTreeMap<Key, Vec<&Model>> = BTreeMap::new();
    for model in models {
        groups.entry(key(&model.operation)).or_default().push(model);
    }
    let mut counter = Counter {
        out: Measure::default(),
        settlements,
        operation: String::new(),
    };
    for (key, group) in &groups {
        let Some(mine) = by_key.get(key) else {
            counter.out.official_undeclared += 1;
            continue;
        };
        counter.operation = operation_key(mine);
        let json: Vec<(&Model, &Schema)> = group
            .iter()
            .filter(|model| model.operation.answer.kind == "json")
            .filter_map(|model| model.operation.answer.schema.as_ref().map(|s| (*model, s)))
            .collect();
        if mine.answer.kind == "none" && !json.is_empty() {
            counter.count("answer", |measure| &mut measure.unit_answers_decoded);
        }
        if let (Some(schema), "json") = (&mine.answer.schema, mine.answer.kind.as_str())
            && !json.is_empty()
        {
            counter.schema(Side::Answer, "answer", schema, &json);
        }
        let my_inputs: Vec<Field> = mine
            .params
            .iter()
            .chain(mine.body.iter().flatten())
            .cloned()
            .collect();
        let their_inputs: Vec<(&Model, Vec<Field>)> = group
            .iter()
            .map(|model| {
                let operation = &model.operation;
                let fields = operation
                    .params
                    .iter()
                    .chain(operation.body.iter().flatten())
                    .cloned()
                    .collect();
                (*model, fields)
            })
            .collect();
        let refs: Vec<(&Model, &[Field])> = their_inputs
            .iter()
            .map(|(model, fields)| (*model, fields.as_slice()))
            .collect();
        counter.fields(Side::Request, "", &my_inputs, &refs);
    }
    counter.out
}

/// Counts the done criteria of one operation.
struct Counter<'s> {
    out: Measure,
    settlements: &'s Settlements,
    operation: String,
}

impl Counter<'_> {
    /// Counts one difference at `at`, or a kept one where a settlement speaks of `at`.
    fn count(&mut self, at: &str, which: impl Fn(&mut Measure) -> &mut usize) {
        let settled = self
            .settlements
            .iter()
            .any(|entry| entry.operation == self.operation && entry.field == at);
        if settled {
            self.out.kept_by_settlement += 1;
        } else {
            *which(&mut self.out) += 1;
        }
    }

    fn schema(&mut self, side: Side, at: &str, mine: &Schema, theirs: &[(&Model, &Schema)]) {
        if theirs
            .iter()
            .any(|(_, schema)| type_class(schema) != type_class(mine))
        {
            self.count(at, |measure| &mut measure.type_mismatches);
            return;
        }
        if let Some(items) = mine.items.as_deref() {
            let theirs: Vec<(&Model, &Schema)> = theirs
                .iter()
                .filter_map(|(model, schema)| schema.items.as_deref().map(|items| (*model, items)))
                .collect();
            if !theirs.is_empty() {
                self.schema(side, at, items, &theirs);
            }
            return;
        }
        let describing: Vec<(&Model, &[Field])> = theirs
            .iter()
            .filter(|(_, schema)| describes(schema))
            .map(|(model, schema)| (*model, schema.props.as_slice()))
            .collect();
        if !describing.is_empty() {
            self.fields(side, at, &mine.props, &describing);
        }
    }

    fn fields(&mut self, side: Side, at: &str, mine: &[Field], theirs: &[(&Model, &[Field])]) {
        let place = |field: &Field| match (side, at.is_empty()) {
            (Side::Request, true) => format!(
                "{}.{}",
                if field.loc.is_empty() {
                    "body"
                } else {
                    &field.loc
                },
                field.n
            ),
            _ => format!("{at}.{}", field.n),
        };
        for field in mine {
            let have: Vec<(&Model, &Field)> = theirs
                .iter()
                .filter_map(|(model, fields)| {
                    fields
                        .iter()
                        .find(|other| other.n == field.n)
                        .map(|other| (*model, other))
                })
                .collect();
            let at = place(field);
            if side == Side::Answer && field.req {
                let stating_says_no = theirs.iter().any(|(model, fields)| {
                    model.states && !fields.iter().any(|other| other.n == field.n && other.req)
                });
                if have.is_empty() || stating_says_no {
                    self.count(&at, |measure| &mut measure.answer_required_not_official);
                }
            }
            if !have.is_empty() && field.loc != "path" {
                let types: Vec<(&Model, &Schema)> = have
                    .iter()
                    .map(|(model, other)| (*model, &other.ty))
                    .collect();
                self.schema(side, &at, &field.ty, &types);
            }
        }
        if side == Side::Request {
            let mut seen = BTreeSet::new();
            for (model, fields) in theirs {
                for field in *fields {
                    if !model.states || !field.req || !seen.insert(field.n.clone()) {
                        continue;
                    }
                    if !mine.iter().any(|other| other.n == field.n && other.req) {
                        let at = place(field);
                        self.count(&at, |measure| &mut measure.request_required_missing);
                    }
                }
            }
        }
    }
}

/// Counts the answer fields (at any depth) of `schema`: `(all, required)`.
fn count_answer(schema: &Schema, out: &mut (usize, usize)) {
    if let Some(items) = schema.items.as_deref() {
        count_answer(items, out);
    }
    for field in &schema.props {
        out.0 += 1;
        if field.req {
            out.1 += 1;
        }
        count_answer(&field.ty, out);
    }
}

fn families(description: &Facts, merged: &Facts) -> Vec<FamilyShare> {
    let mut map: BTreeMap<String, FamilyShare> = BTreeMap::new();
    for (facts, after) in [(description, false), (merged, true)] {
        for operation in &facts.operations {
            let family = crate::emit::family_of(operation);
            let entry = map.entry(family.clone()).or_insert_with(|| FamilyShare {
                family,
                ..FamilyShare::default()
            });
            if let Some(schema) = &operation.answer.schema {
                let counts = if after {
                    &mut entry.after
                } else {
                    &mut entry.before
                };
                count_answer(schema, counts);
            }
        }
    }
    map.into_values().collect()
}

/// What the covered answers show about the description's required answer fields.
fn evidence(description: &Facts, models: &[&Model], shapes: &[BTreeSet<String>]) -> Evidence {
    let mut out = Evidence::default();
    let by_key: BTreeMap<Key, &Operation> = description
        .operations
        .iter()
        .map(|operation| (key(operation), operation))
        .collect();
    for model in models.iter().filter(|model| model.states) {
        let Some(mine) = by_key.get(&key(&model.operation)) else {
            continue;
        };
        let (Some(a), Some(b)) = (&mine.answer.schema, &model.operation.answer.schema) else {
            continue;
        };
        if !describes(a) || !describes(b) {
            continue;
        }
        let inputs: Vec<&Field> = mine
            .params
            .iter()
            .chain(mine.body.iter().flatten())
            .collect();
        let names: BTreeSet<String> = a.props.iter().map(|field| field.n.clone()).collect();
        let shaped = shapes.iter().any(|shape| shape.is_subset(&names));
        evidence_walk(&mut out, a, b, true, &inputs, shaped);
    }
    out
}

/// The kinds a required answer field of the description falls in, for the evidence.
fn evidence_kinds(field: &Field, top: bool, inputs: &[&Field], shaped: bool) -> Vec<String> {
    let depth = if top { "top-level" } else { "nested" };
    let shape = match field.ty.t.as_str() {
        "object" | "array" => "object/array",
        _ => "scalar",
    };
    let mut kinds = vec!["all".to_owned(), format!("{depth} {shape}")];
    if top {
        let echo = inputs
            .iter()
            .any(|input| input.n == field.n && type_class(&input.ty) == type_class(&field.ty));
        kinds.push(if echo {
            "top-level, echoes a request field".to_owned()
        } else {
            "top-level, not an echo".to_owned()
        });
    }
    if shaped {
        kinds.push("in an answer containing a request body".to_owned());
    }
    kinds
}

fn evidence_walk(
    out: &mut Evidence,
    mine: &Schema,
    theirs: &Schema,
    top: bool,
    inputs: &[&Field],
    shaped: bool,
) {
    for field in &mine.props {
        let official = theirs.props.iter().find(|other| other.n == field.n);
        if field.req {
            for kind in evidence_kinds(field, top, inputs, shaped) {
                let entry = out.kinds.entry(kind).or_default();
                entry.0 += 1;
                if official.is_some_and(|official| official.req) {
                    entry.1 += 1;
                }
            }
        }
        let Some(official) = official else {
            continue;
        };
        let (mut a, mut b) = (&field.ty, &official.ty);
        while let (Some(x), Some(y)) = (a.items.as_deref(), b.items.as_deref()) {
            a = x;
            b = y;
        }
        if describes(a) && describes(b) {
            evidence_walk(out, a, b, false, inputs, shaped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Facts from a compact JSON list of operations.
    fn facts(source: &str, states: bool, operations: &Value) -> Facts {
        let mut value = json!({"source": source, "operations": operations});
        if !states {
            value["states_required"] = json!(false);
        }
        serde_json::from_value(value).expect("test facts")
    }

    fn op(method: &str, path: &str, params: &Value, body: Option<&Value>, answer: &Value) -> Value {
        let mut value = json!({
            "host": "api", "method": method, "path": path, "name": "", "links": [],
            "params": params, "answer": {"status": 200, "kind": "json", "schema": answer},
        });
        if let Some(body) = body {
            value["body"] = body.clone();
        }
        value
    }

    fn get(path: &str, answer: &Value) -> Value {
        op("GET", path, &json!([]), None, answer)
    }

    fn obj(props: &Value) -> Value {
        json!({"t": "object", "props": props})
    }

    const GO: &str = "wechatpay-apiv3/wechatpay-go@0000 (Apache-2.0)";
    const JAVA: &str = "wechatpay-apiv3/wechatpay-java@0000 (Apache-2.0)";

    fn settlements(text: &str) -> Settlements {
        parse_settlements(text).expect("test settlements")
    }

    fn answer_field<'a>(facts: &'a Facts, path: &str, name: &str) -> &'a Field {
        let operation = facts
            .operations
            .iter()
            .find(|operation| operation.path == path)
            .expect("the operation");
        let mut fields = &operation.answer.schema.as_ref().expect("a schema").props;
        let mut found = None;
        for part in name.split('.') {
            let field = fields.iter().find(|field| field.n == part).expect(part);
            let mut ty = &field.ty;
            while let Some(items) = ty.items.as_deref() {
                ty = items;
            }
            fields = &ty.props;
            found = Some(field);
        }
        found.expect("a field")
    }

    fn input<'a>(facts: &'a Facts, path: &str, name: &str) -> Option<&'a Field> {
        let operation = facts
            .operations
            .iter()
            .find(|operation| operation.path == path)
            .expect("the operation");
        operation
            .params
            .iter()
            .chain(operation.body.iter().flatten())
            .find(|field| field.n == name)
    }

    #[test]
    fn operations_are_the_union_matched_by_normalised_placeholders() {
        let description = facts(
            "description",
            true,
            &json!([
                get(
                    "v3/a/{transaction_id}",
                    &obj(&json!([{"n": "x", "req": true, "t": "string"}]))
                ),
                get("v3/c", &obj(&json!([{"n": "x", "t": "string"}]))),
            ]),
        );
        let mut official_op = get(
            "v3/a/{id}",
            &obj(&json!([{"n": "x", "req": true, "t": "string"}])),
        );
        official_op["params"] = json!([{"n": "id", "loc": "path", "req": true, "t": "string"}]);
        let official = facts(
            GO,
            true,
            &json!([
                official_op,
                get(
                    "v3/b/{stock_id}/stop",
                    &obj(&json!([{"n": "y", "req": true, "t": "string"}]))
                ),
            ]),
        );
        let (merged, report) = merge(&description, &[official], &Vec::new()).expect("merge");
        let paths: Vec<&str> = merged.operations.iter().map(|o| o.path.as_str()).collect();
        // The description's path wins; the official-only one is added in the sorted position.
        assert_eq!(
            paths,
            ["v3/a/{transaction_id}", "v3/b/{stock_id}/stop", "v3/c"]
        );
        // The official path parameter is renamed to the description's placeholder.
        let param = input(&merged, "v3/a/{transaction_id}", "transaction_id").expect("param");
        assert_eq!(param.loc, "path");
        assert!(input(&merged, "v3/a/{transaction_id}", "id").is_none());
        // The official-only operation keeps its facts, required flags included.
        assert!(answer_field(&merged, "v3/b/{stock_id}/stop", "y").req);
        assert_eq!(report.classes[&Class::OperationOnlyOfficial].rule, 1);
        assert_eq!(report.classes[&Class::OperationOnlyDescription].rule, 1);
        assert_eq!(report.classes[&Class::Placeholder].rule, 1);
        assert_eq!(report.before.official_undeclared, 1);
        assert_eq!(report.after, Measure::default());
        assert_eq!(report.operations, (2, 2, 1, 3));
    }

    #[test]
    fn a_type_class_follows_the_official_model_unless_a_settlement_says_otherwise() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([
                    {"n": "brand_id", "req": true, "t": "string", "ex": "12"},
                    {"n": "merchant_order", "t": "string"},
                    {"n": "rate", "t": "number"},
                ]))
            )]),
        );
        let official = facts(
            GO,
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([
                    {"n": "brand_id", "req": true, "t": "integer"},
                    {"n": "merchant_order", "t": "object", "props": [{"n": "id", "t": "string"}]},
                    {"n": "rate", "t": "number", "fmt": "double"},
                ]))
            )]),
        );
        let (merged, report) =
            merge(&description, std::slice::from_ref(&official), &Vec::new()).expect("merge");
        assert_eq!(answer_field(&merged, "v3/a", "brand_id").ty.t, "integer");
        assert!(answer_field(&merged, "v3/a", "brand_id").ty.ex.is_none());
        assert_eq!(
            answer_field(&merged, "v3/a", "merchant_order").ty.t,
            "object"
        );
        assert_eq!(answer_field(&merged, "v3/a", "merchant_order.id").n, "id");
        assert_eq!(
            answer_field(&merged, "v3/a", "rate").ty.fmt.as_deref(),
            Some("double")
        );
        assert_eq!(report.classes[&Class::TypeClass].rule, 2);
        assert_eq!(report.before.type_mismatches, 2);
        assert_eq!(report.after.type_mismatches, 0);
        // A settlement keeps the description's type where the official one is out of date.
        let keep = settlements(
            "- operation: GET v3/a\n  field: answer.brand_id\n  take: description\n  reason: the model is older than the page\n  source: the official page",
        );
        let (merged, report) = merge(&description, &[official], &keep).expect("merge");
        assert_eq!(answer_field(&merged, "v3/a", "brand_id").ty.t, "string");
        assert_eq!(report.classes[&Class::TypeClass].settlement, 1);
        assert_eq!(report.after.type_mismatches, 0);
        assert_eq!(report.after.kept_by_settlement, 1);
    }

    #[test]
    fn two_official_models_that_disagree_on_a_type_need_a_settlement() {
        let description = facts(
            "description",
            true,
            &json!([get("v3/a", &obj(&json!([{"n": "n", "t": "string"}])))]),
        );
        let go = facts(
            GO,
            true,
            &json!([get("v3/a", &obj(&json!([{"n": "n", "t": "integer"}])))]),
        );
        let java = facts(
            JAVA,
            false,
            &json!([get("v3/a", &obj(&json!([{"n": "n", "t": "string"}])))]),
        );
        let error = merge(&description, &[go.clone(), java.clone()], &Vec::new()).unwrap_err();
        assert!(
            error.contains("answer.n") && error.contains("officials"),
            "{error}"
        );
        let pick = settlements(
            "- operation: GET v3/a\n  field: answer.n\n  take: wechatpay-go\n  reason: r\n  source: s",
        );
        let (merged, _) = merge(&description, &[go, java], &pick).expect("merge");
        assert_eq!(answer_field(&merged, "v3/a", "n").ty.t, "integer");
    }

    #[test]
    fn an_answer_field_is_required_only_where_every_stating_source_requires_it() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/pay/transactions/id/{transaction_id}",
                &obj(&json!([
                    {"n": "both", "req": true, "t": "string"},
                    {"n": "description", "req": true, "t": "string"},
                    {"n": "sometimes", "req": true, "t": "string"},
                    {"n": "mine_optional", "t": "string"},
                    {"n": "amount", "req": true, "t": "object", "props": [
                        {"n": "total", "req": true, "t": "integer"},
                    ]},
                ]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([get(
                "v3/pay/transactions/id/{id}",
                &obj(&json!([
                    {"n": "both", "req": true, "t": "string"},
                    {"n": "sometimes", "t": "string"},
                    {"n": "mine_optional", "req": true, "t": "string"},
                    {"n": "promotion_detail", "t": "array", "items": {"t": "object", "props": [
                        {"n": "coupon_id", "req": true, "t": "string"}]}},
                    {"n": "trade_state", "req": true, "t": "string"},
                    {"n": "amount", "t": "object", "props": [
                        {"n": "total", "t": "integer"},
                        {"n": "payer_total", "t": "integer"},
                    ]},
                ]))
            )]),
        );
        // Java describes fields but states no required-ness: its flags do not count.
        let java = facts(
            JAVA,
            false,
            &json!([get(
                "v3/pay/transactions/id/{transaction_id}",
                &obj(&json!([
                    {"n": "both", "t": "string"},
                    {"n": "sometimes", "t": "string"},
                    {"n": "trade_state", "t": "string"},
                ]))
            )]),
        );
        let (merged, report) = merge(&description, &[go, java], &Vec::new()).expect("merge");
        let path = "v3/pay/transactions/id/{transaction_id}";
        assert!(answer_field(&merged, path, "both").req);
        // Absent from every official model: kept, optional.
        assert!(!answer_field(&merged, path, "description").req);
        assert!(!answer_field(&merged, path, "sometimes").req);
        assert!(!answer_field(&merged, path, "mine_optional").req);
        // Added: optional unless every stating source requires it.
        assert!(answer_field(&merged, path, "trade_state").req);
        assert!(!answer_field(&merged, path, "promotion_detail").req);
        assert!(answer_field(&merged, path, "promotion_detail.coupon_id").req);
        // Nested objects follow the same rules.
        assert!(!answer_field(&merged, path, "amount").req);
        assert!(!answer_field(&merged, path, "amount.total").req);
        assert!(!answer_field(&merged, path, "amount.payer_total").req);
        assert_eq!(report.classes[&Class::AnswerAbsentOfficially].rule, 1);
        assert_eq!(report.classes[&Class::AnswerRequiredToOptional].rule, 3);
        assert_eq!(report.classes[&Class::AnswerOptionalKept].rule, 1);
        assert_eq!(report.classes[&Class::AnswerAdded].rule, 4);
        assert_eq!(report.before.answer_required_not_official, 4);
        assert_eq!(report.after.answer_required_not_official, 0);
        assert_eq!(report.after.total(), 0);
    }

    #[test]
    fn a_settlement_can_make_an_answer_field_both_sources_require_optional() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([{"n": "sp_openid", "req": true, "t": "string"}]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([{"n": "sp_openid", "req": true, "t": "string"}]))
            )]),
        );
        let optional = settlements(
            "- operation: GET v3/a\n  field: answer.sp_openid\n  take: optional\n  reason: sent only once the payer is known\n  source: the official page",
        );
        let (merged, report) =
            merge(&description, std::slice::from_ref(&go), &optional).expect("merge");
        assert!(!answer_field(&merged, "v3/a", "sp_openid").req);
        assert_eq!(
            report.classes[&Class::AnswerRequiredToOptional].settlement,
            1
        );
        // Without it the field stays required, and the settlement would be stale elsewhere.
        let (merged, _) =
            merge(&description, std::slice::from_ref(&go), &Vec::new()).expect("merge");
        assert!(answer_field(&merged, "v3/a", "sp_openid").req);
    }

    #[test]
    fn a_request_field_follows_the_official_required_flag() {
        let body = json!([
            {"n": "description", "req": true, "t": "string"},
            {"n": "goods_tag", "req": true, "t": "string"},
            {"n": "scene_info", "t": "object", "props": [
                {"n": "device_id", "t": "string"},
            ]},
            {"n": "only_mine", "req": true, "t": "string"},
        ]);
        let official_body = json!([
            {"n": "description", "req": true, "t": "string"},
            {"n": "goods_tag", "t": "string"},
            {"n": "scene_info", "req": true, "t": "object", "props": [
                {"n": "payer_client_ip", "req": true, "t": "string"},
                {"n": "store_info", "t": "object", "props": [{"n": "id", "req": true, "t": "string"}]},
            ]},
            {"n": "notify_url", "req": true, "t": "string"},
        ]);
        let answer = obj(&json!([{"n": "h5_url", "req": true, "t": "string"}]));
        let description = facts(
            "description",
            true,
            &json!([op(
                "POST",
                "v3/pay/transactions/h5",
                &json!([]),
                Some(&body),
                &answer
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([op(
                "POST",
                "v3/pay/transactions/h5",
                &json!([]),
                Some(&official_body),
                &answer
            )]),
        );
        let (merged, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        let path = "v3/pay/transactions/h5";
        assert!(input(&merged, path, "description").expect("kept").req);
        assert!(!input(&merged, path, "goods_tag").expect("kept").req);
        // Required by the description alone, absent officially (e-commerce refunds'
        // `combine_transaction_id`): kept, optional.
        assert!(!input(&merged, path, "only_mine").expect("kept").req);
        assert_eq!(report.classes[&Class::RequestAbsentOfficially].rule, 1);
        assert!(input(&merged, path, "notify_url").expect("added").req);
        let scene = input(&merged, path, "scene_info").expect("kept");
        assert!(scene.req);
        let names: Vec<&str> = scene.ty.props.iter().map(|f| f.n.as_str()).collect();
        assert_eq!(names, ["device_id", "payer_client_ip", "store_info"]);
        assert!(scene.ty.props[1].req && !scene.ty.props[2].req);
        assert!(scene.ty.props[2].ty.props[0].req);
        assert_eq!(report.classes[&Class::RequestAdded].rule, 4);
        assert_eq!(report.classes[&Class::RequestRequired].rule, 1);
        assert_eq!(report.classes[&Class::RequestOptional].rule, 1);
        assert_eq!(report.before.request_required_missing, 3);
        assert_eq!(report.after.request_required_missing, 0);
    }

    #[test]
    fn a_field_spelt_or_placed_differently_needs_a_settlement() {
        let description = facts(
            "description",
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([{"n": "mchid", "loc": "query", "req": true, "t": "string"}]),
                Some(&json!([{"n": "subMchid", "t": "string"}])),
                &obj(&json!([{"n": "x", "t": "string"}]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([]),
                Some(
                    &json!([{"n": "sub_mchid", "t": "string"}, {"n": "mchid", "req": true, "t": "string"}])
                ),
                &obj(&json!([{"n": "x", "t": "string"}]))
            )]),
        );
        let error = merge(&description, std::slice::from_ref(&go), &Vec::new()).unwrap_err();
        assert!(
            error.contains("POST v3/a body.subMchid")
                && error.contains("`subMchid` here, `sub_mchid` officially"),
            "{error}"
        );
        assert!(error.contains("POST v3/a query.mchid"), "{error}");
        let settled = settlements(
            "- operation: POST v3/a\n  field: body.subMchid\n  take: official\n  reason: r\n  source: s\n\
             - operation: POST v3/a\n  field: query.mchid\n  take: official\n  reason: r\n  source: s\n",
        );
        let (merged, report) = merge(&description, &[go], &settled).expect("merge");
        assert!(input(&merged, "v3/a", "sub_mchid").is_some());
        assert!(input(&merged, "v3/a", "subMchid").is_none());
        assert_eq!(input(&merged, "v3/a", "mchid").expect("mchid").loc, "");
        assert!(merged.operations[0].params.is_empty());
        assert_eq!(report.classes[&Class::WireName].settlement, 1);
        assert_eq!(report.classes[&Class::Location].settlement, 1);
    }

    #[test]
    fn enum_values_are_the_union_unless_the_official_model_types_the_field_otherwise() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([
                    {"n": "trade_state", "t": "string", "en": ["SUCCESS", "CLOSED"]},
                    {"n": "state", "t": "string", "en": ["PENDING", "SUCCESS"]},
                    {"n": "result", "t": "string", "en": ["PROCESSING", "FINISHED"]},
                    {"n": "plain", "t": "string", "en": ["A"]},
                    {"n": "fresh", "t": "string"},
                ]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([
                    {"n": "trade_state", "t": "string", "en": ["SUCCESS", "ACCEPT"]},
                    {"n": "state", "t": "string", "en": ["PROCESSING", "FINISHED"]},
                    {"n": "result", "t": "string", "en": ["PENDING", "SUCCESS", "CLOSED"]},
                    {"n": "plain", "t": "string"},
                    {"n": "fresh", "t": "string", "en": ["X"]},
                ]))
            )]),
        );
        let (merged, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        let values = |name: &str| answer_field(&merged, "v3/a", name).ty.en.clone();
        assert_eq!(
            values("trade_state"),
            vec![json!("SUCCESS"), json!("CLOSED"), json!("ACCEPT")]
        );
        assert_eq!(
            values("state"),
            vec![json!("PROCESSING"), json!("FINISHED")]
        );
        assert_eq!(
            values("result"),
            vec![json!("PENDING"), json!("SUCCESS"), json!("CLOSED")]
        );
        // An official plain value keeps the description's values: the enum is open.
        assert_eq!(values("plain"), vec![json!("A")]);
        assert_eq!(values("fresh"), vec![json!("X")]);
        assert_eq!(report.classes[&Class::EnumAdded].rule, 2);
        assert_eq!(report.classes[&Class::EnumMoved].rule, 2);
        assert_eq!(report.classes[&Class::EnumDropped].rule, 1);
    }

    #[test]
    fn an_answer_the_description_has_none_of_is_the_official_json() {
        let mut none = get(
            "v3/businesscircle/users/{openid}/points/commit_status",
            &json!(null),
        );
        none["answer"] = json!({"status": 204, "kind": "none"});
        let description = facts("description", true, &json!([none]));
        let go = facts(
            GO,
            true,
            &json!([get(
                "v3/businesscircle/users/{openid}/points/commit_status",
                &obj(
                    &json!([{"n": "openid", "req": true, "t": "string"}, {"n": "points_commit_status", "t": "string"}])
                )
            )]),
        );
        let (merged, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        let answer = &merged.operations[0].answer;
        assert_eq!((answer.status, answer.kind.as_str()), (200, "json"));
        assert!(
            answer_field(
                &merged,
                "v3/businesscircle/users/{openid}/points/commit_status",
                "openid"
            )
            .req
        );
        assert_eq!(report.classes[&Class::AnswerKind].rule, 1);
        assert_eq!(report.before.unit_answers_decoded, 1);
        assert_eq!(report.after.unit_answers_decoded, 0);
    }

    #[test]
    fn another_answer_kind_disagreement_needs_a_settlement() {
        let description = facts(
            "description",
            true,
            &json!([get("v3/a", &obj(&json!([{"n": "x", "t": "string"}])))]),
        );
        let mut none = get("v3/a", &json!(null));
        none["answer"] = json!({"status": 204, "kind": "none"});
        let go = facts(GO, true, &json!([none]));
        let error = merge(&description, std::slice::from_ref(&go), &Vec::new()).unwrap_err();
        assert!(error.contains("GET v3/a answer"), "{error}");
        let keep = settlements(
            "- operation: GET v3/a\n  field: answer\n  take: description\n  reason: r\n  source: s",
        );
        let (merged, _) = merge(&description, &[go], &keep).expect("merge");
        assert_eq!(merged.operations[0].answer.kind, "json");
    }

    #[test]
    fn a_sensitive_mark_of_any_source_counts() {
        let description = facts(
            "description",
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([]),
                Some(&json!([{"n": "user_name", "t": "string"}])),
                &obj(&json!([{"n": "x", "t": "string"}]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([]),
                Some(&json!([{"n": "user_name", "sens": true, "t": "string"}])),
                &obj(&json!([{"n": "x", "t": "string"}]))
            )]),
        );
        let (merged, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        assert!(input(&merged, "v3/a", "user_name").expect("field").sens);
        assert_eq!(report.classes[&Class::Sensitive].rule, 1);
    }

    #[test]
    fn an_uncovered_answer_has_no_required_field_unless_a_settlement_keeps_one() {
        let description = facts(
            "description",
            true,
            &json!([op(
                "GET",
                "v3/x/{out_no}",
                &json!([
                    {"n": "out_no", "loc": "path", "req": true, "t": "string"},
                ]),
                None,
                &obj(&json!([
                    {"n": "out_no", "req": true, "t": "string"},
                    {"n": "state", "req": true, "t": "string"},
                    {"n": "note", "t": "string"},
                    {"n": "detail", "req": true, "t": "array", "items": {"t": "object", "props": [
                        {"n": "id", "req": true, "t": "string"}]}},
                ]))
            )]),
        );
        let (merged, report) = merge(&description, &[], &Vec::new()).expect("merge");
        let path = "v3/x/{out_no}";
        for name in ["out_no", "state", "note", "detail", "detail.id"] {
            assert!(!answer_field(&merged, path, name).req, "{name}");
        }
        // The request is not touched.
        assert!(input(&merged, path, "out_no").expect("param").req);
        assert_eq!(report.classes[&Class::AnswerUnverified].rule, 4);
        let family = report
            .families
            .iter()
            .find(|f| f.family == "x")
            .expect("family");
        assert_eq!((family.before, family.after), ((5, 4), (5, 0)));
        let keep = settlements(
            "- operation: GET v3/x/{out_no}\n  field: answer.state\n  take: required\n  reason: r\n  source: s",
        );
        let (merged, report) = merge(&description, &[], &keep).expect("merge");
        assert!(answer_field(&merged, path, "state").req);
        assert!(!answer_field(&merged, path, "out_no").req);
        assert_eq!(report.classes[&Class::AnswerUnverified].settlement, 1);
    }

    #[test]
    fn answers_only_a_non_stating_model_describes_follow_the_uncovered_rule() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([
                    {"n": "x", "req": true, "t": "string"},
                    {"n": "gone", "req": true, "t": "string"},
                ]))
            )]),
        );
        let java = facts(
            JAVA,
            false,
            &json!([get("v3/a", &obj(&json!([{"n": "x", "t": "string"}])))]),
        );
        let (merged, report) = merge(&description, &[java], &Vec::new()).expect("merge");
        assert!(!answer_field(&merged, "v3/a", "x").req);
        assert!(!answer_field(&merged, "v3/a", "gone").req);
        assert_eq!(report.classes[&Class::AnswerUnverified].rule, 1);
        assert_eq!(report.classes[&Class::AnswerAbsentOfficially].rule, 1);
    }

    #[test]
    fn the_evidence_counts_the_description_s_required_answer_fields_the_official_model_confirms() {
        let description = facts(
            "description",
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([]),
                Some(&json!([
                    {"n": "out_no", "req": true, "t": "string"},
                    {"n": "b", "t": "string"}, {"n": "c", "t": "string"}, {"n": "d", "t": "string"},
                ])),
                &obj(&json!([
                    {"n": "out_no", "req": true, "t": "string"},
                    {"n": "b", "req": true, "t": "string"},
                    {"n": "c", "req": true, "t": "string"},
                    {"n": "d", "t": "string"},
                    {"n": "state", "req": true, "t": "object", "props": [
                        {"n": "x", "req": true, "t": "string"}]},
                ]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([op(
                "POST",
                "v3/a",
                &json!([]),
                None,
                &obj(&json!([
                    {"n": "out_no", "req": true, "t": "string"},
                    {"n": "b", "t": "string"},
                    {"n": "state", "req": true, "t": "object", "props": [{"n": "x", "t": "string"}]},
                ]))
            )]),
        );
        let (_, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        let kinds = &report.evidence.kinds;
        // out_no, b, c (absent officially), state, state.x: two of five confirmed.
        assert_eq!(kinds["all"], (5, 2));
        assert_eq!(kinds["top-level scalar"], (3, 1));
        assert_eq!(kinds["top-level object/array"], (1, 1));
        assert_eq!(kinds["nested scalar"], (1, 0));
        assert_eq!(kinds["top-level, echoes a request field"], (3, 1));
        assert_eq!(kinds["top-level, not an echo"], (1, 1));
        // The answer has every field of the request body.
        assert_eq!(kinds["in an answer containing a request body"], (5, 2));
    }

    #[test]
    fn a_settlement_that_no_longer_applies_is_an_error() {
        let description = facts(
            "description",
            true,
            &json!([get("v3/a", &obj(&json!([{"n": "x", "t": "string"}])))]),
        );
        let stale = settlements(
            "- operation: GET v3/a\n  field: answer.x\n  take: description\n  reason: r\n  source: s",
        );
        let error = merge(&description, &[], &stale).unwrap_err();
        assert!(
            error.contains("GET v3/a answer.x") && error.contains("no longer applies"),
            "{error}"
        );
    }

    #[test]
    fn settlements_need_a_reason_a_source_and_a_known_class() {
        assert!(parse_settlements("- operation: GET v3/a\n  field: answer.x\n  take: official\n  reason: ''\n  source: s").is_err());
        let error = parse_settlements("- operation: GET v3/a\n  field: answer.x\n  take: official\n  about: colour\n  reason: r\n  source: s").unwrap_err();
        assert!(error.contains("colour"), "{error}");
        assert!(parse_settlements("").expect("empty").is_empty());
    }

    #[test]
    fn the_report_prints_the_counts_before_and_after() {
        let description = facts(
            "description",
            true,
            &json!([get(
                "v3/a",
                &obj(&json!([{"n": "x", "req": true, "t": "string"}]))
            )]),
        );
        let go = facts(
            GO,
            true,
            &json!([get("v3/a", &obj(&json!([{"n": "x", "t": "integer"}])))]),
        );
        let (_, report) = merge(&description, &[go], &Vec::new()).expect("merge");
        let text = report.to_text(false);
        assert!(
            text.contains("type class mismatches                     1      0"),
            "{text}"
        );
        assert!(
            text.contains("answer required, optional/absent          1      0"),
            "{text}"
        );
        assert!(
            text.contains(
                "a                                    1/1     100.0%       0/1       0.0%"
            ),
            "{text}"
        );
    }
}
