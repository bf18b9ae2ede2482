//! XSD regular expressions (XML Schema Part 2, Appendix F) translated to the
//! `regex` crate's syntax.
//!
//! Differences handled:
//!
//! * XSD patterns match the **whole** value and have no anchors: the
//!   translation wraps the pattern in `^(?:…)$`, and `^` / `$` outside a
//!   character class are literal characters (escaped).
//! * `\i`, `\I`, `\c`, `\C` (XML name characters) become explicit classes
//!   (the XML 1.0 5th-edition `NameStartChar` / `NameChar` ranges).
//! * Character-class subtraction `[a-z-[aeiou]]` becomes the `regex`
//!   crate's `[a-z--[aeiou]]`.
//! * `.` matches anything but `\n` and `\r`, as XSD says.
//! * `\p{IsBlock}` (Unicode block names) are not supported by `regex`: such a
//!   pattern is refused with a clear error rather than matched wrongly.
//! * Constructs XSD does not have (lazy quantifiers, `(?…)` groups,
//!   back-references, `\d`-style escapes are shared) are refused as invalid
//!   patterns, as an XSD processor would.

use regex::Regex;

/// A compiled XSD pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    re: Regex,
}

const NAME_START: &str = ":A-Z_a-z\\u{C0}-\\u{D6}\\u{D8}-\\u{F6}\\u{F8}-\\u{2FF}\\u{370}-\\u{37D}\\u{37F}-\\u{1FFF}\\u{200C}-\\u{200D}\\u{2070}-\\u{218F}\\u{2C00}-\\u{2FEF}\\u{3001}-\\u{D7FF}\\u{F900}-\\u{FDCF}\\u{FDF0}-\\u{FFFD}\\u{10000}-\\u{EFFFF}";
const NAME_REST: &str = "\\-.0-9\\u{B7}\\u{300}-\\u{36F}\\u{203F}-\\u{2040}";

impl Pattern {
    /// Translates and compiles an XSD pattern.
    pub fn new(xsd: &str) -> Result<Pattern, String> {
        let translated = translate(xsd)?;
        let re = Regex::new(&format!("^(?:{translated})$")).map_err(|e| {
            // keep the regex crate's message to one line
            e.to_string().lines().last().unwrap_or("").trim().to_owned()
        })?;
        Ok(Pattern {
            source: xsd.to_owned(),
            re,
        })
    }

    /// Whether the whole of `s` matches.
    pub fn matches(&self, s: &str) -> bool {
        self.re.is_match(s)
    }

    /// The XSD pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut class_depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err("the pattern ends with a lone backslash".into());
                };
                i += 2;
                match n {
                    'i' => push_class(&mut out, class_depth, NAME_START, false),
                    'I' => push_class(&mut out, class_depth, NAME_START, true),
                    'c' => push_class(
                        &mut out,
                        class_depth,
                        &format!("{NAME_START}{NAME_REST}"),
                        false,
                    ),
                    'C' => push_class(
                        &mut out,
                        class_depth,
                        &format!("{NAME_START}{NAME_REST}"),
                        true,
                    ),
                    'p' | 'P' => {
                        // \p{Name}: Unicode categories are shared; blocks are not
                        let rest: String = chars[i..].iter().collect();
                        if rest.starts_with("{Is") {
                            return Err(
                                "Unicode block escapes (\\p{IsBlock}) are not supported".into()
                            );
                        }
                        out.push('\\');
                        out.push(n);
                    }
                    'n' | 'r' | 't' | '\\' | '|' | '.' | '?' | '*' | '+' | '(' | ')' | '{'
                    | '}' | '-' | '[' | ']' | '^' | '$' => {
                        out.push('\\');
                        out.push(n);
                    }
                    's' | 'S' | 'd' | 'D' | 'w' | 'W' => {
                        out.push('\\');
                        out.push(n);
                    }
                    // other punctuation: taken literally (IDS files in the
                    // wild escape `/` and the like)
                    other if other.is_ascii_punctuation() => {
                        out.push_str(&regex::escape(&other.to_string()))
                    }
                    other => return Err(format!("'\\{other}' is not an XSD escape")),
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '-' if class_depth > 0 && chars.get(i + 1) == Some(&'[') => {
                // class subtraction
                out.push_str("--");
            }
            '^' | '$' if class_depth == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' if class_depth == 0 => out.push_str("[^\\n\\r]"),
            '(' if class_depth == 0 && chars.get(i + 1) == Some(&'?') => {
                return Err("'(?' groups are not XSD syntax".into());
            }
            '?' | '*' | '+' | '}'
                if class_depth == 0 && chars.get(i + 1) == Some(&'?') && c != '?' =>
            {
                return Err("lazy quantifiers are not XSD syntax".into());
            }
            '&' | '~' | '#' | ' ' if class_depth > 0 => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if class_depth > 0 {
        return Err("a character class is not closed".into());
    }
    Ok(out)
}

fn push_class(out: &mut String, depth: usize, ranges: &str, negated: bool) {
    if depth > 0 {
        // inside a class: a nested class (the regex crate allows them)
        out.push('[');
        if negated {
            out.push('^');
        }
        out.push_str(ranges);
        out.push(']');
    } else {
        out.push('[');
        if negated {
            out.push('^');
        }
        out.push_str(ranges);
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_value_and_literal_anchors() {
        let p = Pattern::new("IFC.*TYPE").unwrap();
        assert!(p.matches("IFCWALLTYPE"));
        assert!(!p.matches("XIFCWALLTYPE"));
        assert!(!p.matches("IFCWALLTYPEX"));
        let a = Pattern::new("a$b").unwrap();
        assert!(a.matches("a$b"));
        let d = Pattern::new("[0-9]{2}-[a-z]+").unwrap();
        assert!(d.matches("12-abc"));
        assert!(!d.matches("12-abc\n"));
    }

    #[test]
    fn subtraction_and_name_classes() {
        let p = Pattern::new("[a-z-[aeiou]]+").unwrap();
        assert!(p.matches("xyz"));
        assert!(!p.matches("xaz"));
        let n = Pattern::new("\\i\\c*").unwrap();
        assert!(n.matches("_a1-b"));
        assert!(!n.matches("1a"));
    }

    #[test]
    fn non_xsd_syntax_is_refused() {
        assert!(Pattern::new("a*?").is_err());
        assert!(Pattern::new("(?i)a").is_err());
        assert!(Pattern::new("[a-").is_err());
        assert!(Pattern::new("\\p{IsBasicLatin}").is_err());
    }
}
