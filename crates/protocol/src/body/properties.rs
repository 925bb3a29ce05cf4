//! Java `.properties` text: UPDATE_NAMESRV_CONFIG bodies, GET_NAMESRV_CONFIG answers, and
//! the `-c` file.
//!
//! Parsing follows `java.util.Properties.load`: logical lines joined by a trailing odd
//! backslash, `#`/`!` comments, the key ending at the first unescaped `=`, `:` or
//! whitespace, and `\t \n \r \f \uXXXX` escapes (any other escaped char stands for itself).

use std::collections::BTreeMap;

/// Parses properties text into (key, value) pairs in order of appearance.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_start().to_owned();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let chars: Vec<char> = logical.chars().collect();
        let mut i = 0;
        let mut key_end = chars.len();
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 2,
                '=' | ':' | ' ' | '\t' | '\u{c}' => {
                    key_end = i;
                    break;
                }
                _ => i += 1,
            }
        }
        let key_end = key_end.min(chars.len());
        let mut v = key_end;
        while v < chars.len() && matches!(chars[v], ' ' | '\t' | '\u{c}') {
            v += 1;
        }
        if v < chars.len() && matches!(chars[v], '=' | ':') {
            v += 1;
        }
        while v < chars.len() && matches!(chars[v], ' ' | '\t' | '\u{c}') {
            v += 1;
        }
        let key: String = chars[..key_end].iter().collect();
        let value: String = chars[v.min(chars.len())..].iter().collect();
        out.push((unescape(&key), unescape(&value)));
    }
    out
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Writes `key=value` lines sorted by key (GET_NAMESRV_CONFIG's format).
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
}
