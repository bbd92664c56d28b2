//! Message markdown, made safe before it reaches the page. Status treats every message text as
//! markdown; anyone can write anything into one, so the text becomes a small tree of known node
//! kinds that the view builds elements from (text stays text by construction). pulldown-cmark has
//! no switch for raw HTML: its HTML events are turned back into plain text here. Links keep only
//! `http`, `https` and `mailto` targets; images are never fetched (a remote image would tell its
//! host who reads the channel), they show as a link.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag};

/// Text beyond this many bytes is not rendered (a 4 MB message would freeze layout); the view says
/// how much was left out.
pub const MAX_RENDERED_BYTES: usize = 16 * 1024;
/// Nesting beyond this depth is flattened into its parent, so a crafted `>>>>…` cannot exhaust the
/// stack of the recursive view.
pub const MAX_DEPTH: usize = 24;

/// A node of rendered markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Text(String),
    /// Inline code.
    Code(String),
    LineBreak,
    Rule,
    Element {
        kind: Kind,
        children: Vec<Node>,
    },
}

/// The element kinds the view knows how to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Paragraph,
    /// 1..=6
    Heading(u8),
    BlockQuote,
    CodeBlock {
        language: Option<String>,
    },
    List {
        start: Option<u64>,
    },
    Item,
    Emphasis,
    Strong,
    Strikethrough,
    /// `href` is `None` when the target was not a safe URL: the text shows, nothing links.
    Link {
        href: Option<String>,
    },
}

/// A rendered message: its nodes, and how many bytes were left out for length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub nodes: Vec<Node>,
    pub omitted_bytes: usize,
}

/// The link target if it is one a reader can follow safely: absolute `http(s)` or `mailto`, no
/// control characters or whitespace tricks. Everything else (`javascript:`, `data:`, `vbscript:`,
/// relative paths that would point into the app) gives `None`.
pub fn safe_href(url: &str) -> Option<String> {
    let url = url.trim();
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    let allowed = ["https://", "http://", "mailto:"];
    allowed
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len())
        .then(|| url.to_string())
}

fn cut(text: &str) -> (&str, usize) {
    if text.len() <= MAX_RENDERED_BYTES {
        return (text, 0);
    }
    let mut end = MAX_RENDERED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], text.len() - end)
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Parses message text into safe nodes.
pub fn render(text: &str) -> Rendered {
    let (text, omitted_bytes) = cut(text);
    let options = Options::ENABLE_STRIKETHROUGH;
    // Open elements; index 0 is the root.
    let mut stack: Vec<(Option<Kind>, Vec<Node>)> = vec![(None, Vec::new())];
    // Depth of opened tags that were flattened (not pushed) because of MAX_DEPTH.
    let mut flattened = 0usize;
    let push = |stack: &mut Vec<(Option<Kind>, Vec<Node>)>, node: Node| {
        if let Some((_, children)) = stack.last_mut() {
            // Merge adjacent text so HTML turned into text reads as one run.
            if let (Node::Text(new), Some(Node::Text(prev))) = (&node, children.last_mut()) {
                prev.push_str(new);
                return;
            }
            children.push(node);
        }
    };
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(tag) => {
                let kind = match tag {
                    Tag::Paragraph => Some(Kind::Paragraph),
                    Tag::Heading { level, .. } => Some(Kind::Heading(heading_level(level))),
                    Tag::BlockQuote(_) => Some(Kind::BlockQuote),
                    Tag::CodeBlock(CodeBlockKind::Fenced(lang)) => Some(Kind::CodeBlock {
                        language: Some(lang.to_string()).filter(|l| !l.is_empty()),
                    }),
                    Tag::CodeBlock(CodeBlockKind::Indented) => {
                        Some(Kind::CodeBlock { language: None })
                    }
                    Tag::List(start) => Some(Kind::List { start }),
                    Tag::Item => Some(Kind::Item),
                    Tag::Emphasis => Some(Kind::Emphasis),
                    Tag::Strong => Some(Kind::Strong),
                    Tag::Strikethrough => Some(Kind::Strikethrough),
                    Tag::Link { dest_url, .. } => Some(Kind::Link {
                        href: safe_href(&dest_url),
                    }),
                    // Never loaded: shown as a link to the image (if safe), its alt text as label.
                    Tag::Image { dest_url, .. } => Some(Kind::Link {
                        href: safe_href(&dest_url),
                    }),
                    // HTML blocks become paragraphs of their literal text.
                    Tag::HtmlBlock => Some(Kind::Paragraph),
                    _ => None,
                };
                if stack.len() > MAX_DEPTH {
                    flattened += 1;
                } else {
                    stack.push((kind, Vec::new()));
                }
            }
            Event::End(_) => {
                if flattened > 0 {
                    flattened -= 1;
                    continue;
                }
                if stack.len() > 1
                    && let Some((kind, children)) = stack.pop()
                {
                    match kind {
                        Some(kind) => push(&mut stack, Node::Element { kind, children }),
                        // Unknown containers (tables, footnotes: not enabled) keep their
                        // contents.
                        None => {
                            for c in children {
                                push(&mut stack, c);
                            }
                        }
                    }
                }
            }
            Event::Text(t) => push(&mut stack, Node::Text(t.to_string())),
            Event::Code(t) => push(&mut stack, Node::Code(t.to_string())),
            // Raw HTML, block or inline: shown as the text it is, never parsed as markup.
            Event::Html(t) | Event::InlineHtml(t) => push(&mut stack, Node::Text(t.to_string())),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                push(&mut stack, Node::Code(t.to_string()))
            }
            Event::SoftBreak => push(&mut stack, Node::Text(" ".into())),
            Event::HardBreak => push(&mut stack, Node::LineBreak),
            Event::Rule => push(&mut stack, Node::Rule),
            Event::FootnoteReference(t) => push(&mut stack, Node::Text(format!("[{t}]"))),
            Event::TaskListMarker(done) => push(
                &mut stack,
                Node::Text(if done { "☑ " } else { "☐ " }.into()),
            ),
        }
    }
    // Close anything left open (cannot happen with a well-behaved parser, but cheap to be total).
    while stack.len() > 1 {
        if let Some((kind, children)) = stack.pop() {
            match kind {
                Some(kind) => push(&mut stack, Node::Element { kind, children }),
                None => {
                    for c in children {
                        push(&mut stack, c);
                    }
                }
            }
        }
    }
    let nodes = stack.pop().map(|(_, n)| n).unwrap_or_default();
    Rendered {
        nodes,
        omitted_bytes,
    }
}

/// The plain text of nodes (for quotes, previews and screen-reader labels).
pub fn plain_text(nodes: &[Node]) -> String {
    let mut out = String::new();
    fn walk(nodes: &[Node], out: &mut String) {
        for n in nodes {
            match n {
                Node::Text(t) | Node::Code(t) => out.push_str(t),
                Node::LineBreak | Node::Rule => out.push(' '),
                Node::Element { children, .. } => {
                    walk(children, out);
                    out.push(' ');
                }
            }
        }
    }
    walk(nodes, &mut out);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains_link(nodes: &[Node]) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for n in nodes {
            if let Node::Element { kind, children } = n {
                if let Kind::Link { href } = kind {
                    out.push(href.clone());
                }
                out.extend(contains_link(children));
            }
        }
        out
    }

    #[test]
    fn raw_html_is_text() {
        let r = render("hi <img src=x onerror=alert(1)> there");
        assert_eq!(
            plain_text(&r.nodes),
            "hi <img src=x onerror=alert(1)> there"
        );
        let r = render("<script>alert(1)</script>\n\nafter");
        let text = plain_text(&r.nodes);
        assert!(text.contains("<script>alert(1)</script>"), "{text}");
        // No element kind exists that could carry markup: the tree is text and known kinds only.
        let r = render("<div onclick=x>block</div>");
        assert_eq!(plain_text(&r.nodes), "<div onclick=x>block</div>");
    }

    #[test]
    fn unsafe_links_do_not_link() {
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/settings)",
            "[x](//evil.example)",
            "![x](javascript:alert(1))",
            "<javascript:alert(1)>",
        ] {
            let links = contains_link(&render(bad).nodes);
            assert!(links.iter().all(Option::is_none), "{bad}: {links:?}");
        }
        assert_eq!(
            contains_link(&render("[ok](https://status.app/c#zQ3)").nodes),
            vec![Some("https://status.app/c#zQ3".to_string())]
        );
        assert_eq!(
            contains_link(&render("<https://example.org>").nodes),
            vec![Some("https://example.org".to_string())]
        );
        assert_eq!(
            contains_link(&render("[m](mailto:a@b.c)").nodes),
            vec![Some("mailto:a@b.c".to_string())]
        );
    }

    #[test]
    fn code_blocks_and_inline_code_keep_their_text() {
        let r = render("```rust\nfn main() { <b> }\n```");
        assert_eq!(
            r.nodes,
            vec![Node::Element {
                kind: Kind::CodeBlock {
                    language: Some("rust".into())
                },
                children: vec![Node::Text("fn main() { <b> }\n".into())]
            }]
        );
        let r = render("use `<i>` here");
        assert!(
            r.nodes
                .iter()
                .any(|n| matches!(n, Node::Element { children, .. }
            if children.contains(&Node::Code("<i>".into()))))
        );
    }

    #[test]
    fn emphasis_strong_strike() {
        let r = render("*a* **b** ~~c~~");
        let Node::Element { children, .. } = &r.nodes[0] else {
            panic!("{r:?}")
        };
        let kinds: Vec<_> = children
            .iter()
            .filter_map(|n| match n {
                Node::Element { kind, .. } => Some(kind.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, [Kind::Emphasis, Kind::Strong, Kind::Strikethrough]);
    }

    #[test]
    fn huge_and_deep_input_is_bounded() {
        let big = "a".repeat(4 * 1024 * 1024);
        let r = render(&big);
        assert_eq!(r.omitted_bytes, 4 * 1024 * 1024 - MAX_RENDERED_BYTES);
        let deep = ">".repeat(10_000) + " x";
        let r = render(&deep);
        fn depth(nodes: &[Node]) -> usize {
            nodes
                .iter()
                .map(|n| match n {
                    Node::Element { children, .. } => 1 + depth(children),
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        assert!(depth(&r.nodes) <= MAX_DEPTH);
        // Multi-byte text is cut on a character boundary.
        let emoji = "😀".repeat(MAX_RENDERED_BYTES);
        assert!(render(&emoji).omitted_bytes > 0);
    }
}
