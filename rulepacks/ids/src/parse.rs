//! IDS 1.0 XML → [`Ids`], with the structural checks of the IDS 1.0 XML
//! schema (`ids.xsd`) that decide whether a document is an IDS at all.
//!
//! No maintained Rust crate validates XSD, so the rules the schema states are
//! checked here by hand, element by element: the document's element
//! structure, required elements and attributes, the enumerations (`ifcVersion`,
//! `relation`, `cardinality`), `dataType` (upper case), `minOccurs` and
//! `maxOccurs`, and restriction facet values (bounds are numbers, lengths
//! non-negative integers, patterns valid XSD regular expressions). See
//! `docs/ids.md`.

use roxmltree::{Document, Node};

use crate::pattern::Pattern;

/// The IDS namespace.
pub const NS: &str = "http://standards.buildingsmart.org/IDS";
/// The XML Schema namespace (restrictions).
const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// A parsed IDS document.
#[derive(Debug)]
pub struct Ids {
    /// `info/title`.
    pub title: String,
    /// `info/version`, if any.
    pub version: Option<String>,
    /// The specifications, in document order.
    pub specifications: Vec<Specification>,
}

/// One `specification`.
#[derive(Debug)]
pub struct Specification {
    /// `name`.
    pub name: String,
    /// `identifier`, if any.
    pub identifier: Option<String>,
    /// `description`, if any.
    pub description: Option<String>,
    /// `instructions`, if any.
    pub instructions: Option<String>,
    /// `ifcVersion` list.
    pub ifc_versions: Vec<String>,
    /// `applicability/@minOccurs` (XSD default 1).
    pub min_occurs: u64,
    /// `applicability/@maxOccurs`: `None` = unbounded (XSD default 1, which
    /// IDS treats as "not prohibited").
    pub max_occurs: Option<u64>,
    /// Applicability facets.
    pub applicability: Vec<Facet>,
    /// Requirement facets.
    pub requirements: Vec<Facet>,
    /// `requirements/@description`.
    pub requirements_description: Option<String>,
}

/// Cardinality of a requirement facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Must be there and match.
    Required,
    /// May be absent; if present must match.
    Optional,
    /// Must not match.
    Prohibited,
}

/// A facet with its requirement attributes.
#[derive(Debug)]
pub struct Facet {
    /// What it checks.
    pub kind: FacetKind,
    /// `cardinality` (required for applicability facets).
    pub cardinality: Cardinality,
    /// `instructions`, if any.
    pub instructions: Option<String>,
}

/// The six IDS facets.
#[derive(Debug)]
pub enum FacetKind {
    /// `entity`.
    Entity {
        /// Entity name (upper case).
        name: IdsValue,
        /// Predefined type.
        predefined_type: Option<IdsValue>,
    },
    /// `attribute`.
    Attribute {
        /// Attribute name.
        name: IdsValue,
        /// Value.
        value: Option<IdsValue>,
    },
    /// `classification`.
    Classification {
        /// Reference identification.
        value: Option<IdsValue>,
        /// System name.
        system: Option<IdsValue>,
    },
    /// `property`.
    Property {
        /// Property set name.
        set: IdsValue,
        /// Property name.
        name: IdsValue,
        /// Value (SI).
        value: Option<IdsValue>,
        /// `dataType` (upper case), if any.
        data_type: Option<String>,
    },
    /// `material`.
    Material {
        /// Material name or category.
        value: Option<IdsValue>,
    },
    /// `partOf`.
    PartOf {
        /// The whole's entity name.
        name: IdsValue,
        /// The whole's predefined type.
        predefined_type: Option<IdsValue>,
        /// `relation`, if any.
        relation: Option<Relation>,
    },
}

/// `partOf/@relation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `IFCRELAGGREGATES`
    Aggregates,
    /// `IFCRELASSIGNSTOGROUP`
    Group,
    /// `IFCRELCONTAINEDINSPATIALSTRUCTURE`
    Contained,
    /// `IFCRELNESTS`
    Nests,
    /// `IFCRELVOIDSELEMENT IFCRELFILLSELEMENT`
    VoidsFills,
}

impl Relation {
    /// The IDS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Aggregates => "IFCRELAGGREGATES",
            Relation::Group => "IFCRELASSIGNSTOGROUP",
            Relation::Contained => "IFCRELCONTAINEDINSPATIALSTRUCTURE",
            Relation::Nests => "IFCRELNESTS",
            Relation::VoidsFills => "IFCRELVOIDSELEMENT IFCRELFILLSELEMENT",
        }
    }
}

/// An IDS value: a simple value or an XSD restriction.
#[derive(Debug, Clone)]
pub enum IdsValue {
    /// `simpleValue`.
    Simple(String),
    /// `xs:restriction`.
    Restriction(Restriction),
}

/// An XSD restriction. Every stated facet must hold.
#[derive(Debug, Clone, Default)]
pub struct Restriction {
    /// `base` without the `xs:` prefix (`string` when absent).
    pub base: String,
    /// `xs:enumeration` values (any of them).
    pub enumeration: Vec<String>,
    /// `xs:pattern`s (all of them).
    pub patterns: Vec<Pattern>,
    /// `minInclusive` / `minExclusive` (value, inclusive).
    pub min: Option<(f64, bool)>,
    /// `maxInclusive` / `maxExclusive`.
    pub max: Option<(f64, bool)>,
    /// `length`.
    pub length: Option<usize>,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
}

impl IdsValue {
    /// The value for messages: `'IFCWALL'`, `one of 'A', 'B'`, `matching /X.*/`.
    pub fn describe(&self) -> String {
        match self {
            IdsValue::Simple(s) => format!("'{s}'"),
            IdsValue::Restriction(r) => {
                let mut parts = Vec::new();
                if !r.enumeration.is_empty() {
                    let list: Vec<String> =
                        r.enumeration.iter().map(|e| format!("'{e}'")).collect();
                    parts.push(format!("one of {}", list.join(", ")));
                }
                for p in &r.patterns {
                    parts.push(format!("matching /{}/", p.source()));
                }
                if let Some((v, inc)) = r.min {
                    parts.push(format!("{} {v}", if inc { "≥" } else { ">" }));
                }
                if let Some((v, inc)) = r.max {
                    parts.push(format!("{} {v}", if inc { "≤" } else { "<" }));
                }
                if let Some(l) = r.length {
                    parts.push(format!("{l} characters long"));
                }
                if let Some(l) = r.min_length {
                    parts.push(format!("at least {l} characters"));
                }
                if let Some(l) = r.max_length {
                    parts.push(format!("at most {l} characters"));
                }
                if parts.is_empty() {
                    "any value".into()
                } else {
                    parts.join(" and ")
                }
            }
        }
    }

    /// The simple value, if this is one.
    pub fn simple(&self) -> Option<&str> {
        match self {
            IdsValue::Simple(s) => Some(s),
            IdsValue::Restriction(_) => None,
        }
    }
}

/// Why an IDS document is not a valid IDS 1.0 document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIds(pub String);

impl std::fmt::Display for InvalidIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type R<T> = Result<T, InvalidIds>;

fn bad<T>(node: Node, msg: impl std::fmt::Display) -> R<T> {
    let pos = node.document().text_pos_at(node.range().start);
    Err(InvalidIds(format!(
        "line {}, column {}: <{}>: {msg}",
        pos.row,
        pos.col,
        node.tag_name().name()
    )))
}

fn is(node: &Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

fn children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|c| c.is_element())
}

/// Parses and checks an IDS 1.0 document.
pub fn parse(xml: &str) -> R<Ids> {
    let doc = Document::parse(xml).map_err(|e| InvalidIds(format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if !is(&root, NS, "ids") {
        return bad(
            root,
            format!(
                "the root element must be <ids> in namespace {NS} (found {:?} in {:?})",
                root.tag_name().name(),
                root.tag_name().namespace().unwrap_or("no namespace")
            ),
        );
    }
    let mut kids = children(root);
    let info = kids.next();
    let Some(info) = info.filter(|n| is(n, NS, "info")) else {
        return bad(root, "the first child must be <info>");
    };
    let mut title = None;
    let mut version = None;
    const INFO: &[&str] = &[
        "title",
        "copyright",
        "version",
        "description",
        "author",
        "date",
        "purpose",
        "milestone",
    ];
    let mut last = 0;
    for c in children(info) {
        let name = c.tag_name().name();
        let Some(pos) = INFO.iter().position(|n| *n == name) else {
            return bad(c, "is not allowed in <info>");
        };
        if c.tag_name().namespace() != Some(NS)
            || pos < last
            || (pos == last && title.is_some() && pos == 0)
        {
            return bad(c, "is out of order or repeated in <info>");
        }
        last = pos;
        let text = c.text().unwrap_or("").to_owned();
        match name {
            "title" => title = Some(text),
            "version" => version = Some(text),
            "author" => {
                let ok = text.split_once('@').is_some_and(|(a, d)| {
                    !a.is_empty()
                        && d.split_once('.')
                            .is_some_and(|(x, y)| !x.is_empty() && !y.is_empty())
                });
                if !ok {
                    return bad(c, format!("'{text}' is not an e-mail address"));
                }
            }
            "date" if !is_xsd_date(&text) => {
                return bad(c, format!("'{text}' is not a date (YYYY-MM-DD)"));
            }
            _ => {}
        }
    }
    let Some(title) = title else {
        return bad(info, "<title> is required");
    };
    let Some(specs) = kids.next().filter(|n| is(n, NS, "specifications")) else {
        return bad(root, "the second child must be <specifications>");
    };
    if let Some(extra) = kids.next() {
        return bad(extra, "is not allowed after <specifications>");
    }
    let mut specifications = Vec::new();
    for s in children(specs) {
        if !is(&s, NS, "specification") {
            return bad(s, "only <specification> is allowed in <specifications>");
        }
        specifications.push(specification(s)?);
    }
    if specifications.is_empty() {
        return bad(specs, "at least one <specification> is required");
    }
    Ok(Ids {
        title,
        version,
        specifications,
    })
}

fn is_xsd_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn attr(node: Node, name: &str) -> Option<String> {
    node.attribute(name).map(str::to_owned)
}

fn occurs(node: Node, name: &str, default: Option<u64>) -> R<Option<u64>> {
    match node.attribute(name) {
        None => Ok(default),
        Some("unbounded") if name == "maxOccurs" => Ok(None),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => bad(node, format!("{name}='{v}' is not a non-negative integer")),
        },
    }
}

fn specification(s: Node) -> R<Specification> {
    for a in s.attributes() {
        if a.namespace().is_none()
            && ![
                "name",
                "ifcVersion",
                "identifier",
                "description",
                "instructions",
            ]
            .contains(&a.name())
        {
            return bad(s, format!("unknown attribute '{}'", a.name()));
        }
    }
    let Some(name) = attr(s, "name") else {
        return bad(s, "the attribute 'name' is required");
    };
    let Some(versions) = attr(s, "ifcVersion") else {
        return bad(s, "the attribute 'ifcVersion' is required");
    };
    let ifc_versions: Vec<String> = versions.split_whitespace().map(str::to_owned).collect();
    if ifc_versions.is_empty() {
        return bad(s, "ifcVersion is empty");
    }
    for v in &ifc_versions {
        if !["IFC2X3", "IFC4", "IFC4X3_ADD2"].contains(&v.as_str()) {
            return bad(
                s,
                format!("ifcVersion '{v}' is not one of IFC2X3, IFC4, IFC4X3_ADD2"),
            );
        }
    }
    let mut kids = children(s);
    let Some(app) = kids.next().filter(|n| is(n, NS, "applicability")) else {
        return bad(s, "the first child must be <applicability>");
    };
    let min_occurs = occurs(app, "minOccurs", Some(1))?.unwrap_or(1);
    let max_occurs = occurs(app, "maxOccurs", Some(1))?;
    if let Some(max) = max_occurs {
        if max < min_occurs {
            return bad(
                app,
                format!("maxOccurs {max} is less than minOccurs {min_occurs}"),
            );
        }
    }
    // the XSD default maxOccurs 1 means "may apply": IDS has only 0 and unbounded
    let max_occurs = max_occurs.filter(|m| *m == 0);
    let applicability = facets(app, false)?;
    if applicability.is_empty() {
        return bad(app, "at least one facet is required");
    }
    let mut requirements = Vec::new();
    let mut requirements_description = None;
    if let Some(req) = kids.next() {
        if !is(&req, NS, "requirements") {
            return bad(req, "only <requirements> may follow <applicability>");
        }
        requirements_description = attr(req, "description");
        requirements = facets(req, true)?;
        if let Some(extra) = kids.next() {
            return bad(extra, "is not allowed after <requirements>");
        }
    }
    Ok(Specification {
        name,
        identifier: attr(s, "identifier"),
        description: attr(s, "description"),
        instructions: attr(s, "instructions"),
        ifc_versions,
        min_occurs,
        max_occurs,
        applicability,
        requirements,
        requirements_description,
    })
}

const ORDER: &[&str] = &[
    "entity",
    "partOf",
    "classification",
    "attribute",
    "property",
    "material",
];

fn facets(parent: Node, requirements: bool) -> R<Vec<Facet>> {
    let mut out = Vec::new();
    let mut last = 0;
    let mut entities = 0;
    for f in children(parent) {
        let tag = f.tag_name().name();
        let Some(pos) = ORDER
            .iter()
            .position(|n| *n == tag)
            .filter(|_| f.tag_name().namespace() == Some(NS))
        else {
            return bad(f, "is not an IDS facet");
        };
        // applicability has a fixed order; requirements repeat the sequence
        if !requirements && pos < last {
            return bad(
                f,
                format!("facets must be in the order {}", ORDER.join(", ")),
            );
        }
        last = pos;
        if pos == 0 {
            entities += 1;
            if !requirements && entities > 1 {
                return bad(f, "at most one <entity> facet is allowed in applicability");
            }
        }
        out.push(facet(f, requirements)?);
    }
    Ok(out)
}

fn facet(f: Node, requirements: bool) -> R<Facet> {
    let tag = f.tag_name().name();
    let allowed: &[&str] = match (tag, requirements) {
        (_, false) => &[],
        ("entity", true) => &["instructions"],
        ("partOf", true) => &["cardinality", "instructions", "relation"],
        ("property", true) => &["cardinality", "instructions", "uri", "dataType"],
        (_, true) => &["cardinality", "instructions", "uri"],
    };
    let always: &[&str] = match tag {
        "partOf" => &["relation"],
        "property" => &["dataType"],
        _ => &[],
    };
    for a in f.attributes() {
        if a.namespace().is_none() && !allowed.contains(&a.name()) && !always.contains(&a.name()) {
            return bad(
                f,
                format!(
                    "the attribute '{}' is not allowed here{}",
                    a.name(),
                    if requirements {
                        ""
                    } else {
                        " (in applicability)"
                    }
                ),
            );
        }
    }
    let cardinality = match f.attribute("cardinality") {
        None | Some("required") => Cardinality::Required,
        Some("prohibited") => Cardinality::Prohibited,
        Some("optional") if tag != "partOf" => Cardinality::Optional,
        Some(c) => return bad(f, format!("cardinality '{c}' is not allowed")),
    };
    let mut parts: Vec<(String, Node)> = Vec::new();
    for c in children(f) {
        if c.tag_name().namespace() != Some(NS) {
            return bad(c, "is not an IDS element");
        }
        parts.push((c.tag_name().name().to_owned(), c));
    }
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    let expect = |order: &[&str], required: &[&str]| -> R<()> {
        let mut last = None;
        for (n, node) in &parts {
            let Some(p) = order.iter().position(|o| o == n) else {
                return bad(*node, format!("is not allowed in <{tag}>"));
            };
            if last.is_some_and(|l| p <= l) {
                return bad(*node, format!("is out of order or repeated in <{tag}>"));
            }
            last = Some(p);
        }
        for r in required {
            if !names.contains(r) {
                return bad(f, format!("<{r}> is required"));
            }
        }
        Ok(())
    };
    let get = |n: &str| -> R<Option<IdsValue>> {
        match parts.iter().find(|(p, _)| p == n) {
            Some((_, node)) => ids_value(*node).map(Some),
            None => Ok(None),
        }
    };
    let kind = match tag {
        "entity" => {
            expect(&["name", "predefinedType"], &["name"])?;
            FacetKind::Entity {
                name: get("name")?.unwrap_or(IdsValue::Simple(String::new())),
                predefined_type: get("predefinedType")?,
            }
        }
        "attribute" => {
            expect(&["name", "value"], &["name"])?;
            FacetKind::Attribute {
                name: get("name")?.unwrap_or(IdsValue::Simple(String::new())),
                value: get("value")?,
            }
        }
        "classification" => {
            // ids.xsd: `system` is required, `value` optional
            expect(&["value", "system"], &["system"])?;
            FacetKind::Classification {
                value: get("value")?,
                system: get("system")?,
            }
        }
        "property" => {
            expect(
                &["propertySet", "baseName", "value"],
                &["propertySet", "baseName"],
            )?;
            let data_type = attr(f, "dataType");
            if let Some(d) = &data_type {
                if d.is_empty() || !d.bytes().all(|b| b.is_ascii_uppercase()) {
                    return bad(
                        f,
                        format!("dataType '{d}' must be an upper-case IFC type name"),
                    );
                }
            }
            FacetKind::Property {
                set: get("propertySet")?.unwrap_or(IdsValue::Simple(String::new())),
                name: get("baseName")?.unwrap_or(IdsValue::Simple(String::new())),
                value: get("value")?,
                data_type,
            }
        }
        "material" => {
            expect(&["value"], &[])?;
            FacetKind::Material {
                value: get("value")?,
            }
        }
        "partOf" => {
            expect(&["entity"], &["entity"])?;
            let entity = parts[0].1;
            let mut en: Vec<(String, Node)> = Vec::new();
            for c in children(entity) {
                en.push((c.tag_name().name().to_owned(), c));
            }
            let name = match en.iter().find(|(n, _)| n == "name") {
                Some((_, n)) => ids_value(*n)?,
                None => return bad(entity, "<name> is required"),
            };
            let predefined_type = match en.iter().find(|(n, _)| n == "predefinedType") {
                Some((_, n)) => Some(ids_value(*n)?),
                None => None,
            };
            if let Some((n, node)) = en
                .iter()
                .find(|(n, _)| n != "name" && n != "predefinedType")
            {
                return bad(*node, format!("<{n}> is not allowed in <entity>"));
            }
            let relation = match f.attribute("relation") {
                None => None,
                Some(r) => Some(match r {
                    "IFCRELAGGREGATES" => Relation::Aggregates,
                    "IFCRELASSIGNSTOGROUP" => Relation::Group,
                    "IFCRELCONTAINEDINSPATIALSTRUCTURE" => Relation::Contained,
                    "IFCRELNESTS" => Relation::Nests,
                    "IFCRELVOIDSELEMENT IFCRELFILLSELEMENT" => Relation::VoidsFills,
                    other => {
                        return bad(f, format!("relation '{other}' is not an IDS 1.0 relation"))
                    }
                }),
            };
            FacetKind::PartOf {
                name,
                predefined_type,
                relation,
            }
        }
        _ => return bad(f, "is not an IDS facet"),
    };
    Ok(Facet {
        kind,
        cardinality,
        instructions: attr(f, "instructions"),
    })
}

fn ids_value(node: Node) -> R<IdsValue> {
    let mut kids = children(node);
    let Some(first) = kids.next() else {
        return bad(node, "needs a <simpleValue> or an <xs:restriction>");
    };
    if let Some(extra) = kids.next() {
        return bad(
            extra,
            "only one <simpleValue> or <xs:restriction> is allowed",
        );
    }
    if is(&first, NS, "simpleValue") {
        if children(first).next().is_some() {
            return bad(first, "must hold text only");
        }
        return Ok(IdsValue::Simple(first.text().unwrap_or("").to_owned()));
    }
    if !is(&first, XS, "restriction") {
        return bad(first, "is neither <simpleValue> nor <xs:restriction>");
    }
    restriction(first).map(IdsValue::Restriction)
}

const BASES: &[&str] = &[
    "string",
    "normalizedString",
    "token",
    "boolean",
    "integer",
    "int",
    "long",
    "short",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "decimal",
    "double",
    "float",
    "date",
    "dateTime",
    "time",
    "duration",
    "anyURI",
];

fn restriction(r: Node) -> R<Restriction> {
    let base = match r.attribute("base") {
        None => "string".to_owned(),
        Some(b) => {
            let local = b.rsplit_once(':').map_or(b, |(_, l)| l);
            if !BASES.contains(&local) {
                return bad(r, format!("base '{b}' is not an XSD simple type"));
            }
            local.to_owned()
        }
    };
    let mut out = Restriction {
        base,
        ..Restriction::default()
    };
    for c in children(r) {
        if c.tag_name().namespace() != Some(XS) {
            return bad(c, "is not an XSD restriction facet");
        }
        let name = c.tag_name().name();
        if name == "annotation" {
            continue;
        }
        let Some(v) = c.attribute("value") else {
            return bad(c, "the attribute 'value' is required");
        };
        let number = |v: &str| -> R<f64> {
            match parse_xsd_number(v) {
                Some(n) => Ok(n),
                None => bad(c, format!("'{v}' is not a number")),
            }
        };
        let count = |v: &str| -> R<usize> {
            match v.trim().parse::<usize>() {
                Ok(n) => Ok(n),
                Err(_) => bad(c, format!("'{v}' is not a non-negative integer")),
            }
        };
        match name {
            "enumeration" => out.enumeration.push(v.to_owned()),
            "pattern" => match Pattern::new(v) {
                Ok(p) => out.patterns.push(p),
                Err(e) => return bad(c, format!("'{v}' is not a valid XSD pattern: {e}")),
            },
            "minInclusive" => out.min = Some((number(v)?, true)),
            "minExclusive" => out.min = Some((number(v)?, false)),
            "maxInclusive" => out.max = Some((number(v)?, true)),
            "maxExclusive" => out.max = Some((number(v)?, false)),
            "length" => out.length = Some(count(v)?),
            "minLength" => out.min_length = Some(count(v)?),
            "maxLength" => out.max_length = Some(count(v)?),
            "totalDigits" | "fractionDigits" | "whiteSpace" => {}
            _ => return bad(c, "is not an XSD restriction facet"),
        }
    }
    Ok(out)
}

/// An XSD decimal/double literal: digits with an optional sign, point and
/// exponent (no commas, no hex, no leading `+.`-only forms), or INF/NaN.
pub fn parse_xsd_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if matches!(t, "INF" | "+INF") {
        return Some(f64::INFINITY);
    }
    if t == "-INF" {
        return Some(f64::NEG_INFINITY);
    }
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(spec_attrs: &str, applicability: &str, requirements: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<ids xmlns="http://standards.buildingsmart.org/IDS" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <info><title>t</title></info>
  <specifications>
    <specification name="s" {spec_attrs}>
      <applicability>{applicability}</applicability>
      <requirements>{requirements}</requirements>
    </specification>
  </specifications>
</ids>"#
        )
    }

    const WALL: &str = "<entity><name><simpleValue>IFCWALL</simpleValue></name></entity>";

    fn err(xml: &str) -> String {
        parse(xml).expect_err("must be refused").0
    }

    #[test]
    fn a_valid_document_parses_with_xsd_defaults() {
        let ids = parse(&doc(r#"ifcVersion="IFC4""#, WALL, "")).unwrap();
        let s = &ids.specifications[0];
        assert_eq!(s.min_occurs, 1, "XSD default minOccurs is 1");
        assert_eq!(s.max_occurs, None);
        assert_eq!(s.ifc_versions, ["IFC4"]);
    }

    #[test]
    fn schema_rules_are_enforced_with_line_and_reason() {
        assert!(err("<ids/>").contains("namespace"));
        assert!(err("<ids").contains("not well-formed XML"));
        let e = err(&doc("", WALL, ""));
        assert!(
            e.contains("'ifcVersion' is required") && e.starts_with("line 5"),
            "{e}"
        );
        assert!(err(&doc(r#"ifcVersion="IFC5""#, WALL, "")).contains("IFC5"));
        assert!(err(&doc(r#"ifcVersion="IFC4""#, "", "")).contains("at least one facet"));
        let no_system =
            "<classification><value><simpleValue>x</simpleValue></value></classification>";
        assert!(err(&doc(r#"ifcVersion="IFC4""#, WALL, no_system)).contains("<system> is required"));
        let bad_rel = r#"<partOf relation="IFCRELFOO"><entity><name><simpleValue>IFCSLAB</simpleValue></name></entity></partOf>"#;
        assert!(err(&doc(r#"ifcVersion="IFC4""#, WALL, bad_rel)).contains("IFCRELFOO"));
        let optional_part = r#"<partOf cardinality="optional"><entity><name><simpleValue>IFCSLAB</simpleValue></name></entity></partOf>"#;
        assert!(err(&doc(r#"ifcVersion="IFC4""#, WALL, optional_part)).contains("cardinality"));
        let lower_type = r#"<property dataType="IfcLabel"><propertySet><simpleValue>P</simpleValue></propertySet><baseName><simpleValue>N</simpleValue></baseName></property>"#;
        assert!(err(&doc(r#"ifcVersion="IFC4""#, WALL, lower_type)).contains("upper-case"));
        let bad_bound = r#"<attribute><name><simpleValue>Name</simpleValue></name><value><xs:restriction base="xs:double"><xs:minInclusive value="1,5"/></xs:restriction></value></attribute>"#;
        assert!(err(&doc(r#"ifcVersion="IFC4""#, WALL, bad_bound)).contains("not a number"));
        let order =
            format!("<attribute><name><simpleValue>Name</simpleValue></name></attribute>{WALL}");
        assert!(err(&doc(r#"ifcVersion="IFC4""#, &order, "")).contains("order"));
        let card_in_app = r#"<attribute cardinality="optional"><name><simpleValue>Name</simpleValue></name></attribute>"#;
        assert!(err(&doc(r#"ifcVersion="IFC4""#, card_in_app, "")).contains("not allowed here"));
    }

    #[test]
    fn xsd_numbers() {
        assert_eq!(parse_xsd_number("42"), Some(42.0));
        assert_eq!(parse_xsd_number("-0.5e3"), Some(-500.0));
        assert_eq!(parse_xsd_number("0."), Some(0.0));
        assert_eq!(parse_xsd_number("42,3"), None);
        assert_eq!(parse_xsd_number("1e"), None);
        assert_eq!(parse_xsd_number("."), None);
    }
}
