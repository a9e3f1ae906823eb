//! Short CSS selectors for attribution, built like web-vitals' `getSelector`: from the node
//! up, `tag.class.class` parts joined by `>`, stopping at an id or at 100 characters.

use crate::prelude::*;

use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

const MAX_LEN: usize = 100;

/// A selector for `node`, empty when there is none.
pub fn selector(node: Option<Node>) -> String {
    let mut sel = String::new();
    let mut node = node;
    while let Some(n) = node {
        let Some(el) = n.dyn_ref::<Element>() else {
            break;
        };
        let id = el.id();
        let part = if id.is_empty() {
            let list = el.class_list();
            let mut classes: Vec<String> = Vec::new();
            // Sorted by insertion (few classes; the standard sort costs kilobytes of wasm).
            for c in (0..list.length()).filter_map(|i| list.item(i)) {
                let at = classes.iter().position(|x| *x > c).unwrap_or(classes.len());
                classes.insert(at, c);
            }
            let mut p = el.tag_name().to_ascii_lowercase();
            for c in classes {
                p.push('.');
                p.push_str(&c);
            }
            p
        } else {
            let mut p = String::from("#");
            p.push_str(&id);
            p
        };
        if sel.len() + part.len() > MAX_LEN - 1 {
            return if sel.is_empty() { part } else { sel };
        }
        sel = if sel.is_empty() {
            part
        } else {
            part + ">" + &sel
        };
        if !id.is_empty() {
            break;
        }
        node = n
            .parent_node()
            .filter(|p| p.node_type() == Node::ELEMENT_NODE);
    }
    sel
}
