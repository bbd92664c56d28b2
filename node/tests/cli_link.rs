//! `hearth link` end to end: the built binary on links from public test suites
//! (`shared/reference/status-links-widgets.md` §3.1), and encode → decode round trips.

use std::process::{Command, Output};

use serde_json::Value;

const DOODLES: &str = "zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";
const DOODLES_ID: &str = "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084";
/// §3.1 row 5 (status-web `create-url.test.ts`, status-go `messenger_share_urls_test.go`).
const DOODLES_URL: &str = "https://status.app/c/iyKACkQKB0Rvb2RsZXMSJ0NvbG9yaW5nIHRoZSB3b3JsZCB3aXRoIGpveSDigKIg4bSXIOKAohiYohsiByMxMzFEMkYqAwEhMwM=#zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";
/// §3.1 row 7.
const DESIGN_URL: &str = "https://status.app/cc/G54AAKwObLdpiGjXnckYzRcOSq0QQAS_CURGfqVU42ceGHCObstUIknTTZDOKF3E8y2MSicncpO7fTskXnoACiPKeejvjtLTGWNxUhlT7fyQS7Jrr33UVHluxv_PLjV2ePGw5GQ33innzeK34pInIgUGs5RjdQifMVmURalxxQKwiuoY5zwIjixWWRHqjHM=#zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";
/// §3.1 row 9.
const MARK_COLE_URL: &str = "https://status.app/u/G10A4B0JdgwyRww90WXtnP1oNH1ZLQNM0yX0Ja9YyAMjrqSZIYINOHCbFhrnKRAcPGStPxCMJDSZlGCKzmZrJcimHY8BbcXlORrElv_BbQEegnMDPx1g9C5VVNl0fE4y#zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj";

fn hearth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .output()
        .expect("run hearth")
}

/// Runs `hearth link decode` and parses its single JSON line.
fn decode(url: &str) -> Value {
    let out = hearth(&["link", "decode", url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).expect("JSON")
}

fn encode(args: &[&str]) -> String {
    let mut all = vec!["link", "encode"];
    all.extend(args);
    let out = hearth(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[test]
fn decode_community_vector() {
    let v = decode(DOODLES_URL);
    assert_eq!(v["type"], "community");
    assert_eq!(v["verified"], false);
    assert_eq!(v["has_data"], true);
    assert_eq!(v["key"]["compressed"], DOODLES_ID);
    assert_eq!(v["key"]["serialized"], DOODLES);
    assert_eq!(
        v["key"]["uncompressed"]
            .as_str()
            .map(|s| s.starts_with("0x04a3d2fdb9ac")),
        Some(true)
    );
    assert_eq!(v["community_id"], DOODLES_ID);
    assert_eq!(v["content_topic"], "/waku/1/0x8f887122/rfc26");
    assert_eq!(v["name"], "Doodles");
    assert_eq!(v["description"], "Coloring the world with joy • ᴗ •");
    assert_eq!(v["members"], 446_744);
    assert_eq!(v["color"], "#131D2F");
    assert_eq!(v["tag_indices"], serde_json::json!([1, 33, 51]));
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, ["Art", "NFT", "Web3"]);
}

#[test]
fn decode_channel_and_user_vectors() {
    let v = decode(DESIGN_URL);
    assert_eq!(v["type"], "channel");
    assert_eq!(v["verified"], false);
    assert_eq!(v["community_id"], DOODLES_ID);
    assert_eq!(v["channel_uuid"], "003cdcd5-e065-48f9-b166-b1a94ac75a11");
    assert_eq!(
        v["chat_id"],
        format!("{DOODLES_ID}003cdcd5-e065-48f9-b166-b1a94ac75a11")
    );
    assert_eq!(v["channel_content_topic"], "/waku/1/0x548c9947/rfc26");
    assert_eq!(v["name"], "design");
    assert_eq!(v["emoji"], "🍿");
    assert_eq!(v["color"], "#131D2F");
    assert_eq!(v["community"]["name"], "Doodles");

    let v = decode(MARK_COLE_URL);
    assert_eq!(v["type"], "user");
    assert_eq!(v["verified"], false);
    assert_eq!(
        v["key"]["compressed"],
        "0x03f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8"
    );
    assert_eq!(v["contact_code_topic"], "/waku/1/0x19798235/rfc26");
    assert_eq!(v["name"], "Mark Cole");
    assert_eq!(v["color"], "#BA434D");
    assert_eq!(v["ens_name"], Value::Null);

    let v = decode("https://status.app/u#vitalik.eth");
    assert_eq!(v["key"], Value::Null);
    assert_eq!(v["ens_name"], "vitalik.eth");
    assert_eq!(v["has_data"], false);
}

#[test]
fn encode_reproduces_status_app_links_and_round_trips() {
    // status.app's own encoder writes exactly this link for these values.
    let url = encode(&[
        "community",
        "--key",
        DOODLES,
        "--name",
        "Doodles",
        "--description",
        "Coloring the world with joy • ᴗ •",
        "--members",
        "446744",
        "--color",
        "#131D2F",
        "--tags",
        "Art,NFT,51",
    ]);
    assert_eq!(url, DOODLES_URL);

    let url = encode(&[
        "channel",
        "--key",
        DOODLES_ID,
        "--channel-uuid",
        "003cdcd5-e065-48f9-b166-b1a94ac75a11",
        "--name",
        "design",
        "--description",
        "The quick brown fox jumped over the lazy dog because it was too lazy to go around.",
        "--emoji",
        "🍿",
        "--color",
        "#131D2F",
        "--community-name",
        "Doodles",
    ]);
    assert_eq!(url, DESIGN_URL);

    let url = encode(&[
        "user", "--key", DOODLES, "--name", "Hearth", "--color", "#EAB700",
    ]);
    let v = decode(&url);
    assert_eq!(v["type"], "user");
    assert_eq!(v["key"]["serialized"], DOODLES);
    assert_eq!(v["name"], "Hearth");
    assert_eq!(v["description"], "");

    assert_eq!(
        encode(&["community", "--key", DOODLES_ID]),
        format!("https://status.app/c#{DOODLES}")
    );
    assert_eq!(
        encode(&["user", "--key", "testing.stateofus.eth"]),
        "https://status.app/u#testing.stateofus.eth"
    );
}

#[test]
fn errors_go_to_stderr_with_a_failure_code() {
    for args in [
        vec!["link", "decode", "https://status.app/a#zQ3sh"],
        vec!["link", "decode", "https://status.app/c/Ow=="],
        vec![
            "link",
            "encode",
            "community",
            "--key",
            DOODLES,
            "--name",
            "x",
            "--color",
            "red",
        ],
        vec!["link", "encode", "community", "--key", "zQ3nope"],
        vec![
            "link",
            "encode",
            "community",
            "--key",
            DOODLES,
            "--name",
            "x",
            "--tags",
            "Nope",
        ],
    ] {
        let out = hearth(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
