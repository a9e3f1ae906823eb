//! Serves the agent (`rum.js` loader and its `.wasm`) to storefronts on any origin.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// One served file.
struct Asset {
    body: web::Bytes,
    content_type: &'static str,
    etag: String,
}

static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();

/// Loads the agent files from `dir` once at start-up; returns the names served.
pub fn load(dir: &Path) -> Vec<String> {
    let mut map = HashMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let content_type = match Path::new(&name).extension().and_then(|x| x.to_str()) {
                Some("js") => "application/javascript; charset=utf-8",
                Some("wasm") => "application/wasm",
                _ => continue,
            };
            if let Ok(body) = std::fs::read(e.path()) {
                let etag = format!("\"{:016x}\"", super::fnv1a(&body));
                map.insert(
                    name,
                    Asset {
                        body: body.into(),
                        content_type,
                        etag,
                    },
                );
            }
        }
    }
    let mut names: Vec<String> = map.keys().cloned().collect();
    names.sort();
    let _ = ASSETS.set(map);
    names
}

/// `GET /rum.js`, `GET /rum_agent_bg.wasm`.
pub async fn get(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.get().and_then(|m| m.get(path.as_str())) else {
        return HttpResponse::NotFound().finish();
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes());
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, asset.etag.as_str()))
        // Short max-age: the loader's URL is pasted into storefronts and cannot carry a hash.
        .insert_header((
            header::CACHE_CONTROL,
            "public, max-age=300, stale-while-revalidate=86400",
        ))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type(asset.content_type);
    if fresh {
        resp.finish()
    } else {
        resp.body(asset.body.clone())
    }
}
