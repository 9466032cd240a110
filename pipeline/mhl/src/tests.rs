use crate::*;

/// c4 ids as the reference implementation (`ascmhl-debug hash -h c4`) prints them.
#[test]
fn c4_ids_match_the_reference_implementation() {
    // The C4 specification's id of empty input.
    assert_eq!(
        c4_id(b""),
        "c459dsjfscH38cYeXXYogktxf4Cd9ibshE3BHUo6a58hBXmRQdZrAkZzsWcbWtDg5oQstpDuni4Hirj75GEmTc1sFT"
    );
    assert_eq!(
        c4_id(b"foo"),
        "c45xZeXwMSpqXjpDumcHMA6mhoAmGHkUo7r9WmN2UgSEQzj9KjgseaQdkEJ11fGb5S1WEENcV3q8RFWwEeVpC7Fjk2"
    );
    for bytes in [&b""[..], b"foo", b"\x00\x01", &[0u8; 1000]] {
        let id = c4_id(bytes);
        assert_eq!(id.len(), 90, "{id}");
        assert!(id.starts_with("c4"));
    }
}

#[test]
fn every_format_matches_known_values() {
    let mut hasher = MultiHasher::new(&HashFormat::ALL);
    hasher.update(b"f");
    hasher.update(b"oo");
    let hashes: std::collections::BTreeMap<_, _> = hasher.finish().into_iter().collect();
    // `ascmhl-debug hash -h FORMAT` on a file holding `foo`.
    assert_eq!(
        hashes[&HashFormat::Xxh128],
        "79aef92e83454121ab6e5f64077e7d8a"
    );
    assert_eq!(hashes[&HashFormat::Md5], "acbd18db4cc2f85cedef654fccc4a4d8");
    assert_eq!(
        hashes[&HashFormat::Sha1],
        "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33"
    );
    assert_eq!(hashes[&HashFormat::Xxh3], "ab6e5f64077e7d8a");
    assert_eq!(hashes[&HashFormat::Xxh64], "33bf00a859c4ba3f");
    assert_eq!(hashes[&HashFormat::C4], c4_id(b"foo"));
}

fn sample_generation() -> Generation {
    Generation {
        creator: CreatorInfo {
            creation_date: "2026-11-29T23:11:19+00:00".into(),
            hostname: "host".into(),
            tool: "rollcall".into(),
            tool_version: Some("0.1.0".into()),
            location: None,
            comment: Some("a & b <c>".into()),
        },
        process: Process::Transfer,
        ignore_patterns: DEFAULT_IGNORE_PATTERNS
            .iter()
            .map(|p| p.to_string())
            .chain(["reports/".to_string()])
            .collect(),
        files: vec![
            FileEntry {
                path: "Day 1/A & B.wav".into(),
                size: Some(1234),
                last_modification_date: Some("2026-11-29T23:11:18+00:00".into()),
                hashes: vec![
                    HashEntry {
                        kind: HashKind::Known(HashFormat::Xxh128),
                        value: "79aef92e83454121ab6e5f64077e7d8a".into(),
                        action: Some(Action::Original),
                        hash_date: Some("2026-11-29T23:11:19+00:00".into()),
                    },
                    HashEntry {
                        kind: HashKind::Known(HashFormat::Md5),
                        value: "acbd18db4cc2f85cedef654fccc4a4d8".into(),
                        action: Some(Action::Original),
                        hash_date: Some("2026-11-29T23:11:19+00:00".into()),
                    },
                ],
                previous_path: None,
            },
            FileEntry {
                path: "rollcall-report-20261129T231119Z.csv".into(),
                size: Some(0),
                last_modification_date: None,
                hashes: vec![HashEntry {
                    kind: HashKind::Known(HashFormat::Xxh128),
                    value: "99aa06d3014798d86001c324468d497f".into(),
                    action: Some(Action::Verified),
                    hash_date: None,
                }],
                previous_path: None,
            },
        ],
    }
}

#[test]
fn generations_round_trip_with_hashes_in_schema_order() {
    let generation = sample_generation();
    let bytes = write_generation(&generation).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hashlist version=\"2.0\" xmlns=\"urn:ASC:MHL:v2.0\">\n  <creatorinfo>\n"), "{text}");
    assert!(text.contains("<path size=\"1234\" lastmodificationdate=\"2026-11-29T23:11:18+00:00\">Day 1/A &amp; B.wav</path>"), "{text}");
    let md5 = text.find("<md5 action=\"original\"").unwrap();
    let xxh128 = text.find("<xxh128 action=\"original\"").unwrap();
    assert!(md5 < xxh128, "md5 comes before xxh128 in the schema");
    assert!(text.contains("<process>transfer</process>"));
    assert!(text.contains("<tool version=\"0.1.0\">rollcall</tool>"));
    let read = read_generation(&bytes).unwrap();
    let mut expected = generation;
    expected.files[0].hashes.sort_by(|a, b| a.kind.cmp(&b.kind));
    assert_eq!(read, expected);
}

#[test]
fn an_empty_generation_has_no_hashes_element() {
    let mut generation = sample_generation();
    generation.files.clear();
    let text = String::from_utf8(write_generation(&generation).unwrap()).unwrap();
    assert!(!text.contains("<hashes"), "{text}");
    assert_eq!(read_generation(text.as_bytes()).unwrap(), generation);
}

/// A generation as `ascmhl create -h xxh128 -h md5` 1.2 writes it (directory hashes, root hash).
const REFERENCE_GENERATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0">
  <creatorinfo>
    <creationdate>2026-11-29T23:11:19+00:00</creationdate>
    <hostname>vm</hostname>
    <tool version="1.2">ascmhl</tool>
  </creatorinfo>
  <processinfo>
    <process>in-place</process>
    <roothash>
      <content>
        <md5 hashdate="2026-11-29T23:11:19.059506+00:00">d3156d00f50265f0e2f5cb0775d58d99</md5>
      </content>
      <structure>
        <md5 hashdate="2026-11-29T23:11:19.059506+00:00">d42e4e832c9df1b7ff90464d9568aedc</md5>
      </structure>
    </roothash>
    <ignore>
      <pattern>.DS_Store</pattern>
      <pattern>ascmhl</pattern>
      <pattern>ascmhl/</pattern>
    </ignore>
  </processinfo>
  <hashes>
    <hash>
      <path size="6" lastmodificationdate="2026-11-29T23:11:18+00:00">sub/b.txt</path>
      <md5 action="original" hashdate="2026-11-29T23:11:19.059208+00:00">591785b794601e212b260e25925636fd</md5>
      <xxh128 action="original" hashdate="2026-11-29T23:11:19.059252+00:00">d06015dfa1a0e8057d187c6c5c0c0ee1</xxh128>
    </hash>
    <directoryhash>
      <path lastmodificationdate="2026-11-29T23:11:18+00:00">sub</path>
      <content>
        <md5 hashdate="2026-11-29T23:11:19.059340+00:00">1fbdad40227da4a4d8c9e0407f5670f8</md5>
      </content>
      <structure>
        <md5 hashdate="2026-11-29T23:11:19.059340+00:00">ca36d213a062256b3e2d0836f19e5d7a</md5>
      </structure>
    </directoryhash>
    <hash>
      <path size="6" lastmodificationdate="2026-11-29T23:11:18+00:00">a.txt</path>
      <sha256 action="original">00</sha256>
    </hash>
  </hashes>
</hashlist>
"#;

#[test]
fn reads_what_the_reference_implementation_writes() {
    let generation = read_generation(REFERENCE_GENERATION.as_bytes()).unwrap();
    assert_eq!(generation.process, Process::InPlace);
    assert_eq!(generation.creator.tool, "ascmhl");
    assert_eq!(generation.creator.tool_version.as_deref(), Some("1.2"));
    assert_eq!(
        generation.ignore_patterns,
        [".DS_Store", "ascmhl", "ascmhl/"]
    );
    assert_eq!(generation.files.len(), 2, "directory hashes are not files");
    let b = &generation.files[0];
    assert_eq!((b.path.as_str(), b.size), ("sub/b.txt", Some(6)));
    assert_eq!(b.hashes.len(), 2);
    assert_eq!(b.hashes[1].kind, HashKind::Known(HashFormat::Xxh128));
    assert_eq!(b.hashes[1].value, "d06015dfa1a0e8057d187c6c5c0c0ee1");
    assert_eq!(b.hashes[1].action, Some(Action::Original));
    assert_eq!(
        generation.files[1].hashes[0].kind,
        HashKind::Other("sha256".into())
    );
}

#[test]
fn broken_files_are_errors_not_panics() {
    for text in [
        "",
        "<hashlist",
        "<other version=\"2.0\"/>",
        "<hashlist version=\"1.0\"><processinfo><process>transfer</process></processinfo></hashlist>",
        "<hashlist version=\"2.0\"><processinfo><process>copy</process></processinfo></hashlist>",
        "<hashlist version=\"2.0\"><processinfo><process>transfer</process></processinfo><hashes><hash><path size=\"-1\">a</path></hash></hashes></hashlist>",
        "<hashlist version=\"2.0\"><processinfo><process>transfer</process></processinfo><hashes><hash><xxh128>00</xxh128></hash></hashes></hashlist>",
        "<hashlist version=\"2.0\">&bogus;</hashlist>",
    ] {
        assert!(read_generation(text.as_bytes()).is_err(), "{text}");
    }
    assert!(read_generation(&[0xff, 0xfe, 0x00]).is_err());
    for text in [
        "",
        "<ascmhldirectory><hashlist sequencenr=\"x\"><path>a</path><c4>b</c4></hashlist></ascmhldirectory>",
        "<ascmhldirectory><hashlist sequencenr=\"1\"><path>a</path></hashlist></ascmhldirectory>",
        "<hashlist/>",
    ] {
        assert!(read_chain(text.as_bytes()).is_err(), "{text}");
    }
}

#[test]
fn chains_round_trip() {
    let chain = Chain {
        links: vec![
            ChainLink {
                sequence_nr: 1,
                path: "0001_A002R2EC_2020-01-16_091500Z.mhl".into(),
                c4: "c43qQABrjeiU3kteaNFtgwufQRLKxgMJEZfNSj6LcZ8fKwB568U8As9eScRsnb64NfqiAYzjNUXs81tAxPB77PUThb".into(),
            },
            ChainLink {
                sequence_nr: 2,
                path: "0002_A002R2EC_2020-01-17_143000Z.mhl".into(),
                c4: c4_id(b"second"),
            },
        ],
    };
    let bytes = write_chain(&chain).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ascmhldirectory xmlns=\"urn:ASC:MHL:DIRECTORY:v2.0\">\n  <hashlist sequencenr=\"1\">\n    <path>0001_A002R2EC_2020-01-16_091500Z.mhl</path>\n"
    ), "{text}");
    assert_eq!(read_chain(&bytes).unwrap(), chain);
}

#[test]
fn file_names_and_dates() {
    // 2026-11-29 23:11:19 UTC.
    let time = 1_795_993_879;
    assert_eq!(iso_date(time), "2026-11-29T23:11:19+00:00");
    assert_eq!(
        generation_file_name(2, "delivery", time),
        "0002_delivery_2026-11-29_231119Z.mhl"
    );
    assert_eq!(
        generation_number("0002_delivery_2026-11-29_231119Z.mhl"),
        Some(2)
    );
    assert_eq!(generation_number("12345.mhl"), Some(12345));
    assert_eq!(generation_number("._0002_delivery.mhl"), None);
    assert_eq!(generation_number("002_delivery.mhl"), None);
    assert_eq!(generation_number("0002x.mhl"), None);
    assert_eq!(generation_number("ascmhl_chain.xml"), None);
    assert_eq!(iso_date(951_782_400), "2000-02-29T00:00:00+00:00");
}

#[test]
fn ignore_patterns_match_like_wildmatch() {
    let spec = IgnoreSpec::new(&[
        ".DS_Store",
        "ascmhl",
        "ascmhl/",
        "reports/",
        "*.rollcall-partial",
        "day1/**/*.tmp",
        "/top.txt",
        "[ab]?.log",
    ]);
    assert!(spec.matches(".DS_Store", false));
    assert!(spec.matches("Day 1/.DS_Store", false));
    assert!(spec.matches("ascmhl", true));
    assert!(spec.matches("roll/ascmhl", true));
    assert!(spec.matches("reports", true));
    assert!(
        !spec.matches("reports", false),
        "a file named reports is not the folder"
    );
    assert!(spec.ignores_file("reports/A001.csv"));
    assert!(spec.ignores_file("roll/.take.wav.x1.rollcall-partial"));
    assert!(spec.ignores_file("day1/x/y/z.tmp"));
    assert!(spec.ignores_file("day1/z.tmp"));
    assert!(!spec.ignores_file("day2/z.tmp"));
    assert!(spec.ignores_file("top.txt"));
    assert!(!spec.ignores_file("sub/top.txt"));
    assert!(spec.ignores_file("a1.log"));
    assert!(!spec.ignores_file("c1.log"));
    assert!(!spec.ignores_file("Day 1/A.wav"));
    assert!(!spec.ignores_file("rollcall-report-20261129T231119Z.csv"));
}

#[test]
fn the_history_checks_against_the_first_original() {
    let mut first = sample_generation();
    first.files.truncate(1);
    let mut second = first.clone();
    second.process = Process::InPlace;
    for hash in &mut second.files[0].hashes {
        hash.action = Some(Action::Verified);
        hash.value = "ffff".into();
    }
    second.files.push(FileEntry {
        path: "new.wav".into(),
        size: Some(1),
        last_modification_date: None,
        hashes: vec![HashEntry {
            kind: HashKind::Known(HashFormat::C4),
            value: c4_id(b"x"),
            action: Some(Action::Verified),
            hash_date: None,
        }],
        previous_path: None,
    });
    second.ignore_patterns = vec!["x".into()];
    let history = History::new(vec![(2, second), (1, first)]);
    assert_eq!(history.next_sequence_nr(), 3);
    assert_eq!(
        history.latest_ignore_patterns(),
        Some(&["x".to_string()][..])
    );
    let records = history.records();
    let a = &records["Day 1/A & B.wav"];
    assert_eq!(a.last_generation, 2);
    assert_eq!(a.hashes.len(), 2);
    assert!(a.hashes.iter().all(|h| h.value != "ffff"));
    assert_eq!(
        records["new.wav"].hashes.len(),
        1,
        "verified-only files still have a record"
    );
}

/// Mangled files (bytes flipped, cut short, repeated) give errors or values, never panics.
#[test]
fn mangled_files_never_panic() {
    let generation = REFERENCE_GENERATION.as_bytes();
    let chain = write_chain(&Chain {
        links: vec![ChainLink {
            sequence_nr: 1,
            path: "0001_a.mhl".into(),
            c4: c4_id(b"a"),
        }],
    })
    .unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for original in [generation, &chain[..]] {
        for _ in 0..2000 {
            let mut bytes = original.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = (next() % 256) as u8,
                    1 => bytes.truncate(at),
                    _ => {
                        let piece = bytes[at..].to_vec();
                        bytes.extend_from_slice(&piece);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let _ = read_generation(&bytes);
            let _ = read_chain(&bytes);
        }
    }
}

#[test]
fn many_stars_do_not_take_exponential_time() {
    let pattern = "*a".repeat(40) + "b";
    let spec = IgnoreSpec::new(&[pattern.as_str(), "**/**/**/**/**/**/**/**/x"]);
    let long_name = "a".repeat(200);
    let deep = vec!["a"; 200].join("/");
    let start = std::time::Instant::now();
    assert!(!spec.matches(&long_name, false));
    assert!(!spec.ignores_file(&deep));
    assert!(spec.ignores_file(&format!("{deep}/x")));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

/// A generation that moves a file aside (`previousPath`) and lists a new version under the old
/// path: the moved file keeps the old record, the path is checked against the new version.
#[test]
fn a_renamed_file_takes_its_record_and_the_path_starts_again() {
    let hash = |value: &str, action: Action| HashEntry {
        kind: HashKind::Known(HashFormat::Xxh128),
        value: value.into(),
        action: Some(action),
        hash_date: None,
    };
    let entry = |path: &str, value: &str, action: Action, previous: Option<&str>| FileEntry {
        path: path.into(),
        size: Some(1),
        last_modification_date: None,
        hashes: vec![hash(value, action)],
        previous_path: previous.map(str::to_string),
    };
    let mut first = sample_generation();
    first.files = vec![entry("a.wav", "0001", Action::Original, None)];
    let mut second = first.clone();
    second.files = vec![
        entry(
            "a.wav",
            "0002",
            Action::Original,
            Some(".a.wav.x.rollcall-partial"),
        ),
        entry(".a.wav.x.rollcall-partial", "0002", Action::Original, None),
        entry(
            "superseded/T/a.wav",
            "0001",
            Action::Verified,
            Some("a.wav"),
        ),
    ];
    let mut third = first.clone();
    third.files = vec![entry("a.wav", "0002", Action::Verified, None)];
    let records = History::new(vec![(1, first), (2, second), (3, third)]).records();
    assert_eq!(records["a.wav"].hashes[0].value, "0002");
    assert_eq!(records["superseded/T/a.wav"].hashes[0].value, "0001");
    assert_eq!(
        records["superseded/T/a.wav"].hashes[0].action,
        Some(Action::Original),
        "the moved file keeps its first original"
    );
}
