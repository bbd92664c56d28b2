use leptos::prelude::*;

use crate::markdown::{Kind, Node, render};

fn node_view(node: Node) -> AnyView {
    match node {
        Node::Text(t) => t.into_any(),
        Node::Code(t) => view! { <code>{t}</code> }.into_any(),
        Node::LineBreak => view! { <br /> }.into_any(),
        Node::Rule => view! { <hr /> }.into_any(),
        Node::Element { kind, children } => {
            let inner = children.into_iter().map(node_view).collect_view();
            match kind {
                Kind::Paragraph => view! { <p>{inner}</p> }.into_any(),
                // Headings inside a message are shown as strong text: a message cannot add
                // headings to the page's outline.
                Kind::Heading(_) => view! { <p class="md-heading">{inner}</p> }.into_any(),
                Kind::BlockQuote => view! { <blockquote>{inner}</blockquote> }.into_any(),
                Kind::CodeBlock { language } => view! {
                    <pre class="md-code" data-lang=language><code>{inner}</code></pre>
                }
                .into_any(),
                Kind::List { start: Some(n) } => {
                    view! { <ol start=n.to_string()>{inner}</ol> }.into_any()
                }
                Kind::List { start: None } => view! { <ul>{inner}</ul> }.into_any(),
                Kind::Item => view! { <li>{inner}</li> }.into_any(),
                Kind::Emphasis => view! { <em>{inner}</em> }.into_any(),
                Kind::Strong => view! { <strong>{inner}</strong> }.into_any(),
                Kind::Strikethrough => view! { <del>{inner}</del> }.into_any(),
                Kind::Link { href: Some(href) } => view! {
                    <a href=href target="_blank" rel="noopener noreferrer ugc">{inner}</a>
                }
                .into_any(),
                Kind::Link { href: None } => {
                    view! { <span class="md-unsafe-link" title="Link removed: not a web address">{inner}</span> }
                        .into_any()
                }
            }
        }
    }
}

/// A message's markdown, built as elements from a checked tree (never as an HTML string).
#[component]
pub fn MarkdownView(text: String) -> impl IntoView {
    let rendered = render(&text);
    let omitted = rendered.omitted_bytes;
    let body = rendered.nodes.into_iter().map(node_view).collect_view();
    view! {
        <div class="md">
            {body}
            {(omitted > 0).then(|| view! {
                <p class="md-omitted">{format!("… {} more characters not shown.", omitted)}</p>
            })}
        </div>
    }
}
