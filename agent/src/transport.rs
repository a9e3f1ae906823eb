//! Delivery of a beacon while the page is going away.

use crate::browser;
use wasm_bindgen::JsValue;
use web_sys::{RequestCredentials, RequestInit};

/// Sends `body` to `endpoint`. A plain string body goes out as `text/plain`, which browsers
/// send cross-origin without a CORS preflight. `sendBeacon` survives the page unloading;
/// where it is missing or refuses (queue full), a keepalive `fetch` does the same job.
pub fn send(endpoint: &str, body: &str) {
    let window = browser::window();
    if window
        .navigator()
        .send_beacon_with_opt_str(endpoint, Some(body))
        .unwrap_or(false)
    {
        return;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    // web-sys has no setter for `keepalive`.
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    init.set_credentials(RequestCredentials::Omit);
    // The promise is dropped: nothing useful can be done with the answer on an unloading page.
    let _ = window.fetch_with_str_and_init(endpoint, &init);
}
