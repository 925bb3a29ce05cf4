//! The properties parser reads what `java.util.Properties.load` reads: compared with an
//! independent model of the JDK's reader on hand-picked cases and on random text built from
//! the characters its rules turn on.

mod java_properties_model;

use java_properties_model::java_load;
use namesrv_protocol::body::{parse_properties, try_parse_properties};
use proptest::prelude::*;

fn ours(text: &str) -> Result<Vec<(String, String)>, ()> {
    try_parse_properties(text).map_err(|_| ())
}

#[test]
fn hand_picked_cases_read_as_java_reads_them() {
    let cases = [
        "enableTopicList=true\rkvConfigPath=/x",
        "a=1\r\nb=2\n\rc=3\r\r\nd",
        "list=a,\\\r\n   b,\\\r  c\\\n",
        "# comment \\\nk=v",
        "k=v\\\n  # not a comment",
        "\\\n# a comment after all\nk=v",
        "\\",
        "\\\n",
        "\\\r\n",
        "a\\\r\n",
        "\\\n   ",
        "   \\\\\\",
        "key\\ with\\ blanks = value with blanks  ",
        "k\t\u{c} :  = v",
        "k=\\u0041\\uD83D\\uDE00\\uDE00",
        "k=\\u004",
        "k\\u00=v",
        "\u{a0}k = \u{85}v\u{2028}",
        "",
        "\n\n  \t\n",
        "!x\r#y\rz",
    ];
    for text in cases {
        assert_eq!(ours(text), java_load(text), "{text:?}");
        if let Ok(entries) = java_load(text) {
            assert_eq!(parse_properties(text), entries, "lenient: {text:?}");
        }
    }
}

fn properties_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "k", "=", ":", " ", "\t", "\u{c}", "\\", "\\", "\r", "\n", "\r\n", "#", "!", "u", "0",
        "4", "D", "8", "3", "e", "é", "😀", "\u{a0}",
    ]);
    prop::collection::vec(pieces, 0..48).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn random_text_reads_as_java_reads_it(text in properties_text()) {
        let java = java_load(&text);
        prop_assert_eq!(ours(&text), java.clone(), "{:?}", text);
        if let Ok(entries) = java {
            prop_assert_eq!(parse_properties(&text), entries);
        }
    }
}
