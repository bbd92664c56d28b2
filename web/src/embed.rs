//! The embed's contract with the page around it, as pure functions: which query parameters the
//! embed page accepts and how each is checked, the one message it posts to its host, and the
//! snippets the "Embed this channel" dialog offers. `web/embed/embed.js` (the `<hearth-channel>`
//! element) speaks the same contract; both sides validate, because either may be hostile.
//!
//! The embed URL is `/embed/<community id>/<channel uuid>?theme=…&accent=…&post=1&host=…`:
//! - `theme`: `auto` (default), `dark` or `light`; anything else is `auto`.
//! - `accent`: `#rgb` or `#rrggbb`; anything else is ignored (the app's own accent stays).
//! - `post=1`: the embedder allows posting (the `allow-post` attribute); otherwise read-only.
//! - `host`: the embedding page's origin, the only target of the resize message; a value that is
//!   not a bare `http(s)://host[:port]` origin means no message is ever posted.
//!
//! The message (version 1), from the embed page to its host only: `{hearth: 1, type: "resize",
//! height}` with `height` an integer number of CSS pixels. The embed page listens to no message
//! from its host, so nothing a host posts can make it act.

/// Version of the message shape posted to the host; a host ignores versions it does not know.
pub const EMBED_MESSAGE_VERSION: u32 = 1;
/// Smallest height the widget takes, in CSS pixels (the chrome plus a line of text).
pub const MIN_HEIGHT: u32 = 160;
/// Largest height an embedder may ask for: beyond it the widget scrolls inside.
pub const MAX_HEIGHT: u32 = 2000;
/// Height when the embedder gives none (or garbage).
pub const DEFAULT_HEIGHT: u32 = 480;

/// The colour scheme the embedder asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedTheme {
    /// Follow the reader's `prefers-color-scheme`.
    #[default]
    Auto,
    Dark,
    Light,
}

impl EmbedTheme {
    /// A `theme` value; anything but the three names (CSS, script, mixed case padding) is `Auto`.
    pub fn parse(text: &str) -> Self {
        match text {
            "dark" => Self::Dark,
            "light" => Self::Light,
            _ => Self::Auto,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Dark => "dark",
            Self::Light => "light",
        }
    }
}

/// An accent colour, only as `#rgb` or `#rrggbb` (hex digits), lower-cased; `None` otherwise, so
/// nothing but a colour ever reaches a CSS property.
pub fn parse_accent(text: &str) -> Option<String> {
    let digits = text.strip_prefix('#')?;
    if (digits.len() == 3 || digits.len() == 6) && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(format!("#{}", digits.to_ascii_lowercase()))
    } else {
        None
    }
}

/// A bare web origin (`http://host[:port]` or `https://…`): no path, query, fragment, user info or
/// whitespace. `None` for anything else, so a resize message never goes to a guessed target.
pub fn parse_origin(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    if rest.is_empty() || rest.len() > 255 {
        return None;
    }
    let ok = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !ok || rest.starts_with(':') {
        return None;
    }
    Some(text.to_ascii_lowercase())
}

/// A channel uuid as Status writes them: 36 characters, hex digits and four dashes at 8-4-4-4-12.
pub fn is_channel_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A requested height (any text), clamped to [`MIN_HEIGHT`]..=[`MAX_HEIGHT`]; garbage is
/// [`DEFAULT_HEIGHT`].
pub fn clamp_height(text: &str) -> u32 {
    match text.trim().parse::<f64>() {
        Ok(h) if h.is_finite() => {
            (h.round()
                .clamp(f64::from(MIN_HEIGHT), f64::from(MAX_HEIGHT))) as u32
        }
        _ => DEFAULT_HEIGHT,
    }
}

/// What the embed page was asked for, every field already checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbedOptions {
    pub theme: EmbedTheme,
    pub accent: Option<String>,
    pub post: bool,
    pub host: Option<String>,
}

impl EmbedOptions {
    /// From the query parameters (`get` looks one up by name).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            theme: get("theme")
                .map(|t| EmbedTheme::parse(&t))
                .unwrap_or_default(),
            accent: get("accent").and_then(|a| parse_accent(&a)),
            post: get("post").as_deref() == Some("1"),
            host: get("host").and_then(|h| parse_origin(&h)),
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for an HTML attribute value in double quotes.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The embed page's URL on `base` (the Hearth origin, no trailing slash).
pub fn embed_url(base: &str, community: &str, uuid: &str, options: &EmbedOptions) -> String {
    let mut url = format!(
        "{base}/embed/{}/{}",
        query_value(community),
        query_value(uuid)
    );
    let mut params = Vec::new();
    if options.theme != EmbedTheme::Auto {
        params.push(format!("theme={}", options.theme.as_str()));
    }
    if let Some(a) = &options.accent {
        params.push(format!("accent={}", query_value(a)));
    }
    if options.post {
        params.push("post=1".to_string());
    }
    if let Some(h) = &options.host {
        params.push(format!("host={}", query_value(h)));
    }
    if !params.is_empty() {
        url.push('?');
        url.push_str(&params.join("&"));
    }
    url
}

/// The two snippets a site owner pastes: a plain `<iframe>` (no script, fixed height), and the
/// `<hearth-channel>` element (lazy, resizing) with a link inside for readers without scripts.
pub fn snippets(
    base: &str,
    community: &str,
    uuid: &str,
    channel_name: &str,
    options: &EmbedOptions,
    height: u32,
) -> (String, String) {
    let frame_options = EmbedOptions {
        host: None,
        ..options.clone()
    };
    let src = embed_url(base, community, uuid, &frame_options);
    let open = format!("{base}/community/{community}/{uuid}");
    let title = format!("#{channel_name} on Hearth");
    let iframe = format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{height}\" \
         style=\"border:0\" loading=\"lazy\"></iframe>",
        attr(&src),
        attr(&title)
    );
    let mut element = format!(
        "<script type=\"module\" src=\"{}/embed.js\"></script>\n<hearth-channel community=\"{}\" channel=\"{}\"",
        attr(base),
        attr(community),
        attr(uuid)
    );
    if options.theme != EmbedTheme::Auto {
        element.push_str(&format!(" theme=\"{}\"", options.theme.as_str()));
    }
    if let Some(a) = &options.accent {
        element.push_str(&format!(" accent=\"{}\"", attr(a)));
    }
    element.push_str(&format!(" height=\"{height}\""));
    if options.post {
        element.push_str(" allow-post");
    }
    element.push_str(&format!(
        ">\n  <a href=\"{}\">{}</a>\n</hearth-channel>",
        attr(&open),
        attr(&title)
    ));
    (iframe, element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_are_three_names_and_everything_else_is_auto() {
        assert_eq!(EmbedTheme::parse("dark"), EmbedTheme::Dark);
        assert_eq!(EmbedTheme::parse("light"), EmbedTheme::Light);
        for bad in ["", "Dark", "dark;}body{display:none", "auto", "</style>"] {
            assert_eq!(EmbedTheme::parse(bad), EmbedTheme::Auto, "{bad}");
        }
    }

    #[test]
    fn accents_are_hex_colours_only() {
        assert_eq!(parse_accent("#ABC").as_deref(), Some("#abc"));
        assert_eq!(parse_accent("#12aBef").as_deref(), Some("#12abef"));
        for bad in [
            "",
            "red",
            "#abcd",
            "#12345g",
            "abc",
            "#fff;background:url(x)",
            "#fff\"",
            "#ｆｆｆ",
        ] {
            assert_eq!(parse_accent(bad), None, "{bad}");
        }
    }

    #[test]
    fn origins_are_bare() {
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            parse_origin("https://Example.org").as_deref(),
            Some("https://example.org")
        );
        for bad in [
            "",
            "*",
            "null",
            "http://",
            "javascript:alert(1)",
            "http://a.b/path",
            "http://a.b?x",
            "http://u@a.b",
            "http://a b",
            "ftp://a.b",
            "http://:80",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn uuids_and_heights() {
        assert!(is_channel_uuid("0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a10"));
        assert!(!is_channel_uuid("0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a1"));
        assert!(!is_channel_uuid("0e9e2a5c_2f7b-4c4f-9d65-4c9c1f1b7a10"));
        assert!(!is_channel_uuid("../../settings"));
        assert_eq!(clamp_height("1000000000"), MAX_HEIGHT);
        assert_eq!(clamp_height("-5"), MIN_HEIGHT);
        assert_eq!(clamp_height("600"), 600);
        assert_eq!(clamp_height("NaN"), DEFAULT_HEIGHT);
        assert_eq!(clamp_height("1e999"), DEFAULT_HEIGHT);
        assert_eq!(clamp_height("tall"), DEFAULT_HEIGHT);
    }

    #[test]
    fn options_from_a_hostile_query_keep_only_what_checks_out() {
        let q = |k: &str| match k {
            "theme" => Some("x;color:red".to_string()),
            "accent" => Some("url(javascript:1)".to_string()),
            "post" => Some("true".to_string()),
            "host" => Some("http://evil.example/steal".to_string()),
            _ => None,
        };
        assert_eq!(EmbedOptions::from_query(q), EmbedOptions::default());
    }

    #[test]
    fn snippets_escape_and_carry_the_options() {
        let options = EmbedOptions {
            theme: EmbedTheme::Dark,
            accent: Some("#ff0000".into()),
            post: true,
            host: Some("http://ignored".into()),
        };
        let (iframe, element) = snippets(
            "http://127.0.0.1:8080",
            "0x02ab",
            "0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a10",
            "gen\"eral<",
            &options,
            500,
        );
        assert!(iframe.contains(
            "src=\"http://127.0.0.1:8080/embed/0x02ab/0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a10?theme=dark&amp;accent=%23ff0000&amp;post=1\""
        ), "{iframe}");
        assert!(!iframe.contains("host="), "{iframe}");
        assert!(iframe.contains("#gen&quot;eral&lt; on Hearth"), "{iframe}");
        assert!(element.contains("src=\"http://127.0.0.1:8080/embed.js\""));
        assert!(element.contains(" theme=\"dark\" accent=\"#ff0000\" height=\"500\" allow-post>"));
        assert!(element.contains(
            "<a href=\"http://127.0.0.1:8080/community/0x02ab/0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a10\">"
        ));
    }
}
