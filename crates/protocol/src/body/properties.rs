//! Java `.properties` text: UPDATE_NAMESRV_CONFIG bodies, GET_NAMESRV_CONFIG answers, and
//! the `-c` file.
//!
//! An operator's `namesrv.properties` was written for `java.util.Properties.load`, so it
//! must mean here exactly what it means to Java, down to the rare cases: a line ends at
//! `\n`, `\r` or `\r\n` (a lone `\r` too, which a line-splitting parser would fold into the
//! value); leading ` `, `\t` and `\f` of every natural line are dropped; a natural line whose
//! first such non-blank character is `#` or `!` is a comment, and a comment never continues;
//! an odd number of trailing backslashes joins the next natural line; the key ends at the
//! first unescaped `=`, `:` or blank, and one `=`/`:` with the blanks around it separates it
//! from the value, whose trailing blanks are kept; `\t \n \r \f \uXXXX` are escapes and any
//! other escaped character stands for itself. Java builds UTF-16 strings, so `\uXXXX`
//! escapes of a surrogate pair make one character; a lone surrogate, which a Rust string
//! cannot hold, becomes U+FFFD. Java rejects the whole text when a `\u` is not followed by
//! four hex digits: [`try_parse_properties`] does too, [`parse_properties`] keeps going.
//!
//! [`set_properties_in_text`] rewrites chosen keys of an operator's file in place, so a
//! persisted run-time update keeps the file's comments, order and other keys.
//!
//! `tests/java_properties_model` in this crate holds an independent model of the JDK's
//! reader that the unit tests and the fuzz target compare this parser with.

use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertiesError {
    #[error("line {line}: malformed \\uxxxx escape (a \\u must be followed by four hex digits)")]
    MalformedUnicodeEscape { line: usize },
}

/// Parses properties text into (key, value) pairs in order of appearance, as Java's
/// `Properties.load` reads it. A malformed `\uXXXX` escape makes Java reject the text, and
/// is an error here.
pub fn try_parse_properties(text: &str) -> Result<Vec<(String, String)>, PropertiesError> {
    logical_lines(text)
        .into_iter()
        .map(|line| {
            line.entry(Unicode::Strict)
                .ok_or(PropertiesError::MalformedUnicodeEscape {
                    line: line.first_line,
                })
        })
        .collect()
}

/// [`try_parse_properties`] for text we only display or compare: a malformed `\u` escape
/// stands for the characters after the `\u` instead of failing the whole text.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    logical_lines(text)
        .into_iter()
        .filter_map(|line| line.entry(Unicode::Lenient))
        .collect()
}

/// Writes `key=value` lines sorted by key (GET_NAMESRV_CONFIG's format: like Java's, nothing
/// is escaped).
pub fn write_properties(entries: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (k, v) in entries {
        out.push_str(k);
        out.push('=');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// Sets `changes` in an operator's properties text: every logical line whose key `same_key`
/// matches a changed key is replaced in place by one `key=value` line; keys no line holds are
/// appended, in the order given. Everything else (comments, blank lines, other keys, line
/// terminators) is kept byte for byte. Keys and values are escaped as Java's `store` would.
pub fn set_properties_in_text(
    text: &str,
    changes: &[(String, String)],
    same_key: impl Fn(&str, &str) -> bool,
) -> Result<String, PropertiesError> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    let mut found = vec![false; changes.len()];
    for line in logical_lines(text) {
        let Some((key, _)) = line.entry(Unicode::Strict) else {
            return Err(PropertiesError::MalformedUnicodeEscape {
                line: line.first_line,
            });
        };
        let Some(i) = changes.iter().position(|(k, _)| same_key(&key, k)) else {
            continue;
        };
        found[i] = true;
        out.push_str(&text[copied..line.span.start]);
        push_entry(&mut out, &changes[i].0, &changes[i].1);
        copied = line.span.end;
    }
    out.push_str(&text[copied..]);
    let terminator = first_terminator(text);
    for ((key, value), _) in changes.iter().zip(found).filter(|(_, found)| !found) {
        if !out.is_empty() && !out.ends_with(['\n', '\r']) {
            out.push_str(terminator);
        }
        push_entry(&mut out, key, value);
        out.push_str(terminator);
    }
    Ok(out)
}

fn push_entry(out: &mut String, key: &str, value: &str) {
    escape_into(out, key, true);
    out.push('=');
    escape_into(out, value, false);
}

/// Java's `store` escaping: what would otherwise end the key, start a comment, be taken
/// for blanks to drop or end the line is backslash-escaped.
fn escape_into(out: &mut String, text: &str, is_key: bool) {
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == 0 || is_key => out.push_str("\\ "),
            _ => out.push(c),
        }
    }
}

fn first_terminator(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text[i..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// One natural line: its text without terminator, and where it and its terminator lie.
struct NaturalLine<'a> {
    content: &'a str,
    start: usize,
    content_end: usize,
    crlf: bool,
}

fn natural_lines(text: &str) -> Vec<NaturalLine<'_>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => {
                let crlf = bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n');
                lines.push(NaturalLine {
                    content: &text[start..i],
                    start,
                    content_end: i,
                    crlf,
                });
                i += if crlf { 2 } else { 1 };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push(NaturalLine {
            content: &text[start..],
            start,
            content_end: bytes.len(),
            crlf: false,
        });
    }
    lines
}

/// A key-value line after joining continuations, before unescaping.
struct LogicalLine {
    raw: String,
    /// From the first character of its first natural line to the end of its last one's
    /// content (the terminator excluded).
    span: Range<usize>,
    /// 1-based number of its first natural line.
    first_line: usize,
}

fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let lines = natural_lines(text);
    let mut out = Vec::new();
    let mut i = 0;
    'lines: while i < lines.len() {
        let first = i;
        let mut raw = lines[i].content.trim_start_matches(is_blank).to_owned();
        if raw.is_empty() || raw.starts_with(['#', '!']) {
            i += 1;
            continue;
        }
        while raw.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1 {
            raw.pop();
            if i + 1 == lines.len() {
                // At the end of the text Java keeps even a line that the removed backslash
                // left empty, as an entry with an empty key; but it looks for more text after
                // a `\r` before deciding, so after `\r\n` it is a join with nothing instead.
                if raw.is_empty() && lines[i].crlf {
                    i += 1;
                    continue 'lines;
                }
                break;
            }
            i += 1;
            if raw.is_empty() {
                // Nothing was joined yet: the next natural line starts afresh (and may be
                // blank or a comment).
                continue 'lines;
            }
            raw.push_str(lines[i].content.trim_start_matches(is_blank));
        }
        out.push(LogicalLine {
            raw,
            span: lines[first].start..lines[i].content_end,
            first_line: first + 1,
        });
        i += 1;
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unicode {
    Strict,
    Lenient,
}

impl LogicalLine {
    /// The unescaped key and value; `None` for a malformed `\u` escape in strict mode.
    fn entry(&self, mode: Unicode) -> Option<(String, String)> {
        let chars: Vec<char> = self.raw.chars().collect();
        let mut key_end = chars.len();
        let mut value_start = chars.len();
        let mut has_separator = false;
        let mut escaped = false;
        for (i, &c) in chars.iter().enumerate() {
            if !escaped && matches!(c, '=' | ':') {
                (key_end, value_start, has_separator) = (i, i + 1, true);
                break;
            }
            if !escaped && is_blank(c) {
                (key_end, value_start) = (i, i + 1);
                break;
            }
            escaped = c == '\\' && !escaped;
        }
        while let Some(&c) = chars.get(value_start) {
            if is_blank(c) || (!has_separator && matches!(c, '=' | ':')) {
                has_separator |= !is_blank(c);
                value_start += 1;
            } else {
                break;
            }
        }
        Some((
            unescape(&chars[..key_end], mode)?,
            unescape(&chars[value_start..], mode)?,
        ))
    }
}

fn unescape(chars: &[char], mode: Unicode) -> Option<String> {
    let mut units: Vec<u16> = Vec::with_capacity(chars.len());
    let mut buf = [0u16; 2];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let c = if c != '\\' {
            c
        } else {
            let Some(&next) = chars.get(i) else {
                break;
            };
            i += 1;
            match next {
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                'f' => '\u{c}',
                'u' => {
                    let hex = chars.get(i..i + 4).and_then(|digits| {
                        digits
                            .iter()
                            .try_fold(0u16, |acc, d| d.to_digit(16).map(|v| (acc << 4) | v as u16))
                    });
                    match (hex, mode) {
                        (Some(unit), _) => {
                            units.push(unit);
                            i += 4;
                            continue;
                        }
                        (None, Unicode::Strict) => return None,
                        (None, Unicode::Lenient) => continue,
                    }
                }
                other => other,
            }
        };
        units.extend_from_slice(c.encode_utf16(&mut buf));
    }
    Some(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<(String, String)> {
        parse_properties(text)
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn separators_comments_and_whitespace() {
        let text = "# comment\n! also\n\na=1\nb : 2\nc 3\n  d=  4 \ne\n";
        assert_eq!(
            parsed(text),
            vec![
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "4 "),
                pair("e", "")
            ]
        );
        assert_eq!(
            parsed("k = = v\nk2 :=v\nk3\t\u{c}v"),
            vec![pair("k", "= v"), pair("k2", "=v"), pair("k3", "v")]
        );
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_in_java() {
        assert_eq!(
            parsed("enableTopicList=true\rkvConfigPath=/x"),
            vec![pair("enableTopicList", "true"), pair("kvConfigPath", "/x")]
        );
        assert_eq!(
            parsed("a=1\r\nb=2\r\rc=3\n\rd=4"),
            vec![
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "4")
            ]
        );
        assert_eq!(
            parsed("list=a,\\\r  b,\\\r\n  c\r# comment\rz=\\\r"),
            vec![pair("list", "a,b,c"), pair("z", "")]
        );
    }

    #[test]
    fn only_java_blanks_are_trimmed() {
        assert_eq!(
            parsed("\u{a0}k=v\u{a0}\n\u{b}x=y"),
            vec![pair("\u{a0}k", "v\u{a0}"), pair("\u{b}x", "y")]
        );
    }

    #[test]
    fn escapes_and_continuations() {
        assert_eq!(parsed("key\\=x=v\\u0041\\t"), vec![pair("key=x", "vA\t")]);
        assert_eq!(
            parsed("list=a,\\\n    b,\\\n    c"),
            vec![pair("list", "a,b,c")]
        );
        assert_eq!(parsed("path=C:\\\\dir"), vec![pair("path", "C:\\dir")]);
        assert_eq!(parsed("bad=\\uZZ"), vec![pair("bad", "ZZ")]);
        assert_eq!(parsed("a\\ b=\\ c\\q"), vec![pair("a b", " cq")]);
        assert_eq!(parsed("x=\\uD83D\\ude00"), vec![pair("x", "😀")]);
        assert_eq!(parsed("x=\\uD83D"), vec![pair("x", "\u{fffd}")]);
    }

    #[test]
    fn comments_never_continue_but_continued_lines_are_never_comments() {
        assert_eq!(parsed("# a \\\nk=v"), vec![pair("k", "v")]);
        assert_eq!(
            parsed("k=v\\\n  # not a comment"),
            vec![pair("k", "v# not a comment")]
        );
        assert_eq!(parsed("k=v\\\n\nx=y"), vec![pair("k", "v"), pair("x", "y")]);
        assert_eq!(parsed("\\\n# comment\nk=v"), vec![pair("k", "v")]);
    }

    #[test]
    fn a_trailing_backslash_at_the_end_of_the_text_is_dropped() {
        assert_eq!(parsed("k=v\\"), vec![pair("k", "v")]);
        assert_eq!(parsed("k=v\\\n"), vec![pair("k", "v")]);
        assert_eq!(parsed("k=v\\\\"), vec![pair("k", "v\\")]);
        assert_eq!(parsed("\\"), vec![pair("", "")], "as Java: an empty key");
        assert_eq!(parsed("\\\n  "), vec![]);
    }

    #[test]
    fn a_malformed_unicode_escape_fails_the_strict_parse() {
        assert_eq!(
            try_parse_properties("a=1\n\nbad=\\u12"),
            Err(PropertiesError::MalformedUnicodeEscape { line: 3 })
        );
        assert!(try_parse_properties("k\\uZZZZ=1").is_err());
        assert_eq!(
            try_parse_properties("ok=\\u00e9").unwrap(),
            vec![pair("ok", "é")]
        );
    }

    #[test]
    fn write_sorts_by_key() {
        let map: BTreeMap<String, String> = [("b", "2"), ("a", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(write_properties(&map), "a=1\nb=2\n");
        assert_eq!(
            parsed(&write_properties(&map)),
            vec![pair("a", "1"), pair("b", "2")]
        );
    }

    fn set(text: &str, changes: &[(&str, &str)]) -> String {
        let changes: Vec<(String, String)> = changes.iter().map(|(k, v)| pair(k, v)).collect();
        set_properties_in_text(text, &changes, |a, b| a == b).unwrap()
    }

    #[test]
    fn setting_keys_keeps_comments_order_and_other_lines() {
        let text = "# operator's file\nlistenPort=9876\n\n! flags\nenableTopicList = true\nkvConfigPath=/data/kv.json\n";
        assert_eq!(
            set(text, &[("enableTopicList", "false"), ("orderMessageEnable", "true")]),
            "# operator's file\nlistenPort=9876\n\n! flags\nenableTopicList=false\nkvConfigPath=/data/kv.json\norderMessageEnable=true\n"
        );
    }

    #[test]
    fn setting_keys_replaces_continued_lines_and_keeps_terminators() {
        assert_eq!(
            set(
                "a=1\r\nlist=x,\\\r\n  y\r\nb=2",
                &[("list", "z"), ("c", "3")]
            ),
            "a=1\r\nlist=z\r\nb=2\r\nc=3\r\n"
        );
        assert_eq!(set("", &[("c", "3")]), "c=3\n");
        assert_eq!(set("k=1\rk=2\r", &[("k", "3")]), "k=3\rk=3\r");
    }

    #[test]
    fn set_values_are_escaped_and_read_back() {
        let text = set("", &[("odd key", " a=b:c#!\\\t\n")]);
        assert_eq!(parsed(&text), vec![pair("odd key", " a=b:c#!\\\t\n")]);
    }

    #[test]
    fn setting_keys_in_a_malformed_text_is_an_error() {
        let changes = vec![pair("k", "v")];
        assert!(set_properties_in_text("x=\\u", &changes, |a, b| a == b).is_err());
    }
}
