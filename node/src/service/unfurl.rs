//! Link previews: `/c/…`, `/cc/…` and `/u/…` answered with the app's page carrying Open Graph and
//! Twitter-card tags made from the URL data, so a pasted link unfurls in chat apps as status.app's
//! do (status.app decodes the same data on its server for the same reason, status-web #327). The
//! `#key` fragment never reaches a server, so only the data part is read; no network is asked.
//! Every value is an unverified hint from the link and is escaped before it enters the page.

use hearth::status::link::{decode_channel_data, decode_community_data, decode_user_data};

/// What a preview says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub title: String,
    pub description: String,
    /// `#RRGGBB` when the link carried a valid one.
    pub color: Option<String>,
}

/// The kind of page a path asks for, if it is a preview path.
pub fn preview_for_path(path: &str) -> Option<Preview> {
    let path = path.trim_end_matches('/');
    let (kind, data) = match path.strip_prefix('/')?.split_once('/') {
        Some((kind, data)) => (kind, Some(percent_decode(data))),
        None => (path.strip_prefix('/')?, None),
    };
    let data = data.filter(|d| !d.is_empty());
    Some(match kind {
        "c" => match data.as_deref().map(decode_community_data) {
            Some(Ok(hint)) => {
                let h = hint.into_hint();
                Preview {
                    title: format!("Join {} community", h.display_name),
                    color: h.checked_color().map(str::to_owned),
                    description: h.description,
                }
            }
            _ => generic("Join community", "A Status community, opened in Hearth."),
        },
        "cc" => match data.as_deref().map(decode_channel_data) {
            Some(Ok((_, hint))) => {
                let h = hint.into_hint();
                Preview {
                    title: if h.community.display_name.is_empty() {
                        format!("Join #{} channel", h.display_name)
                    } else {
                        format!(
                            "Join #{} channel in {} community",
                            h.display_name, h.community.display_name
                        )
                    },
                    color: h.checked_color().map(str::to_owned),
                    description: h.description,
                }
            }
            // A uuid-only link, or data that does not decode.
            _ => generic(
                "Join community channel",
                "A channel of a Status community, opened in Hearth.",
            ),
        },
        "u" => match data.as_deref().map(decode_user_data) {
            Some(Ok(hint)) => {
                let h = hint.into_hint();
                Preview {
                    title: format!("Connect with {}", h.display_name),
                    color: h.checked_color().map(str::to_owned),
                    description: h.description,
                }
            }
            _ => generic("Open profile", "A Status profile, opened in Hearth."),
        },
        _ => return None,
    })
}

fn generic(title: &str, description: &str) -> Preview {
    Preview {
        title: title.to_owned(),
        description: description.to_owned(),
        color: None,
    }
}

/// `%XX` sequences decoded (links pasted through some apps arrive with `=` as `%3D`); anything
/// malformed is kept as written and left to the decoder to refuse.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text safe inside an HTML attribute value or element.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The `<title>` and `<meta>` tags of a preview.
pub fn tags(p: &Preview) -> String {
    let title = escape(&p.title);
    let description = escape(&p.description);
    let mut out = format!(
        "<title>{title}</title>\n\
         <meta property=\"og:type\" content=\"website\" />\n\
         <meta property=\"og:site_name\" content=\"Hearth\" />\n\
         <meta property=\"og:title\" content=\"{title}\" />\n\
         <meta property=\"og:description\" content=\"{description}\" />\n\
         <meta name=\"description\" content=\"{description}\" />\n\
         <meta name=\"twitter:card\" content=\"summary\" />\n\
         <meta name=\"twitter:title\" content=\"{title}\" />\n\
         <meta name=\"twitter:description\" content=\"{description}\" />\n"
    );
    if let Some(c) = &p.color {
        out.push_str(&format!(
            "<meta name=\"theme-color\" content=\"{}\" />\n",
            escape(c)
        ));
    }
    out
}

/// The app's page (or a bare one when no app is served) with the preview's tags in its head,
/// replacing the page's own `<title>`.
pub fn page(index_html: Option<&str>, p: &Preview) -> String {
    let tags = tags(p);
    match index_html {
        Some(html) => {
            let html = match (html.find("<title>"), html.find("</title>")) {
                (Some(a), Some(b)) if b > a => format!("{}{}", &html[..a], &html[b + 8..]),
                _ => html.to_owned(),
            };
            match html.find("<head>") {
                Some(i) => format!("{}\n{tags}{}", &html[..i + 6], &html[i + 6..]),
                None => format!("<head>\n{tags}</head>\n{html}"),
            }
        }
        None => format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n{tags}</head>\n<body></body>\n</html>\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 20 shared preview links (status-web's test vectors and links seen in the wild; the
    /// sources are in the file).
    const VECTORS: &str = include_str!("../../../crate/tests/vectors/preview-links.json");

    #[test]
    fn every_shared_link_unfurls_with_escaped_tags() {
        let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = vectors.as_array().unwrap();
        assert_eq!(vectors.len(), 20);
        for v in vectors {
            let url = v["url"].as_str().unwrap();
            let path = url
                .trim_start_matches("https://status.app")
                .split('#')
                .next()
                .unwrap();
            let p = preview_for_path(path).unwrap_or_else(|| panic!("no preview for {url}"));
            let html = page(
                Some("<html><head><title>Hearth</title></head><body></body></html>"),
                &p,
            );
            for tag in [
                "og:title",
                "og:description",
                "twitter:card",
                "twitter:title",
            ] {
                assert!(html.contains(tag), "{tag} missing for {url}");
            }
            assert_eq!(html.matches("<title>").count(), 1);
            let name = v["decoded"]["displayName"].as_str().unwrap_or("");
            if !name.is_empty() {
                assert!(
                    html.contains(&escape(name)),
                    "{url}: the name {name:?} is in the page"
                );
            }
            // Nothing from the link can open a tag: every '<' in the head is one we wrote.
            let head = &html[..html.find("</head>").unwrap()];
            let ours = ["<html", "<head", "<title", "</title", "<meta"];
            let mut rest = head;
            while let Some(i) = rest.find('<') {
                assert!(
                    ours.iter().any(|o| rest[i..].starts_with(o)),
                    "{url}: stray markup {:?}",
                    &rest[i..(i + 20).min(rest.len())]
                );
                rest = &rest[i + 1..];
            }
        }
    }

    #[test]
    fn values_are_escaped() {
        let p = Preview {
            title: "Join \"<script>alert('x')</script>\" & co".into(),
            description: "a\"><img src=x onerror=alert(1)>".into(),
            color: None,
        };
        let html = page(None, &p);
        assert!(!html.contains("<script>") && !html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("a&quot;&gt;&lt;img"));
    }

    #[test]
    fn bad_data_gets_the_generic_page_and_other_paths_none() {
        assert_eq!(
            preview_for_path("/c/%%%not-data").unwrap().title,
            "Join community"
        );
        assert_eq!(preview_for_path("/u").unwrap().title, "Open profile");
        assert!(preview_for_path("/health").is_none());
        assert!(preview_for_path("/app.js").is_none());
        assert!(preview_for_path("/").is_none());
    }
}
