//! Thin bindings to the browser: the few entry fields we read and helpers around web-sys.
//! Everything here tolerates old browsers: a missing API means "no value", never an exception.

use crate::prelude::*;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Performance, Window};

#[wasm_bindgen]
extern "C" {
    /// A performance entry, typed with just the fields the agent reads (web-sys lacks some,
    /// such as `activationStart`).
    #[wasm_bindgen(extends = Object)]
    #[derive(Clone)]
    pub type Entry;
    #[wasm_bindgen(method, getter, js_name = startTime)]
    pub fn start_time(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Entry) -> String;
    #[wasm_bindgen(method, getter, js_name = responseStart)]
    pub fn response_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = activationStart)]
    pub fn activation_start(this: &Entry) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = domInteractive)]
    pub fn dom_interactive(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domContentLoadedEventEnd)]
    pub fn dom_content_loaded_event_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = loadEventEnd)]
    pub fn load_event_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = type)]
    pub fn entry_type(this: &Entry) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = entryType)]
    pub fn kind(this: &Entry) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn duration(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn value(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = hadRecentInput)]
    pub fn had_recent_input(this: &Entry) -> bool;
    #[wasm_bindgen(method, getter)]
    pub fn sources(this: &Entry) -> Option<Array>;
    #[wasm_bindgen(method, getter)]
    pub fn node(this: &Entry) -> Option<web_sys::Node>;
    #[wasm_bindgen(method, getter)]
    pub fn element(this: &Entry) -> Option<web_sys::Node>;
    #[wasm_bindgen(method, getter)]
    pub fn target(this: &Entry) -> Option<web_sys::Node>;
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Entry) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = interactionId)]
    pub fn interaction_id(this: &Entry) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = processingStart)]
    pub fn processing_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = processingEnd)]
    pub fn processing_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = requestStart)]
    pub fn request_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = responseEnd)]
    pub fn response_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = redirectStart)]
    pub fn redirect_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = redirectEnd)]
    pub fn redirect_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domainLookupStart)]
    pub fn domain_lookup_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domainLookupEnd)]
    pub fn domain_lookup_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = connectStart)]
    pub fn connect_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = connectEnd)]
    pub fn connect_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = secureConnectionStart)]
    pub fn secure_connection_start(this: &Entry) -> f64;

    /// `PerformanceObserver`, bound here because web-sys' `observe` takes no `type` member
    /// and throws instead of reporting errors.
    #[wasm_bindgen(js_name = PerformanceObserver)]
    #[derive(Clone)]
    pub type Observer;
    #[wasm_bindgen(constructor, catch, js_class = PerformanceObserver)]
    fn new(callback: &Function) -> Result<Observer, JsValue>;
    #[wasm_bindgen(method, catch, js_class = PerformanceObserver)]
    fn observe(this: &Observer, options: &Object) -> Result<(), JsValue>;
    /// Entries observed but not yet delivered to the callback.
    #[wasm_bindgen(method, js_class = PerformanceObserver, js_name = takeRecords)]
    pub fn take_records(this: &Observer) -> Array;
    /// Stops observing.
    #[wasm_bindgen(method, js_class = PerformanceObserver)]
    pub fn disconnect(this: &Observer);

    /// The list handed to the observer's callback.
    type EntryList;
    #[wasm_bindgen(method, js_name = getEntries)]
    fn get_entries(this: &EntryList) -> Array;
}

/// The window; the agent only ever runs in one.
pub fn window() -> Window {
    js_sys::global().unchecked_into()
}

/// The document of the window.
pub fn document() -> Option<Document> {
    window().document()
}

/// `window.performance`.
pub fn performance() -> Option<Performance> {
    window().performance()
}

/// Reads a property, `None` when it is absent or not of the expected kind.
pub fn prop(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Reads a numeric property.
pub fn num(target: &JsValue, key: &str) -> Option<f64> {
    prop(target, key).and_then(|v| v.as_f64())
}

/// The navigation entry, once the response has started (web-vitals' `getNavigationEntry`).
pub fn navigation_entry() -> Option<Entry> {
    let perf = performance()?;
    let entry = perf.get_entries_by_type("navigation").get(0);
    if entry.is_undefined() {
        return None;
    }
    // Not `dyn_into`: `Entry` is our name, there is no JS class to check `instanceof` against.
    let entry: Entry = entry.unchecked_into();
    let start = entry.response_start();
    (start > 0.0 && start < perf.now()).then_some(entry)
}

/// When the page was activated: non-zero only for prerendered pages.
pub fn activation_start() -> f64 {
    navigation_entry()
        .and_then(|e| e.activation_start())
        .unwrap_or(0.0)
}

/// `document.prerendering`, false where unsupported.
pub fn is_prerendering() -> bool {
    document()
        .and_then(|d| prop(&d, "prerendering"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Whether the browser can observe `entry_type`.
pub fn supports(entry_type: &str) -> bool {
    prop(&js_sys::global(), "PerformanceObserver")
        .and_then(|po| prop(&po, "supportedEntryTypes"))
        .map(|types| Array::from(&types).includes(&JsValue::from_str(entry_type), 0))
        .unwrap_or(false)
}

/// Observes one entry type with `buffered: true`, so entries from before the agent loaded
/// are delivered too (`buffered` only works together with `type`).
pub fn observe(entry_type: &str, on_entries: impl FnMut(Vec<Entry>) + 'static) -> Option<Observer> {
    observe_with(entry_type, None, on_entries)
}

/// [`observe`] with a `durationThreshold` (event timing).
pub fn observe_with(
    entry_type: &str,
    duration_threshold: Option<f64>,
    on_entries: impl FnMut(Vec<Entry>) + 'static,
) -> Option<Observer> {
    observe_boxed(entry_type, duration_threshold, Box::new(on_entries))
}

// Not generic: one wasm-bindgen closure shim for every observer instead of one per call site.
fn observe_boxed(
    entry_type: &str,
    duration_threshold: Option<f64>,
    mut on_entries: Box<dyn FnMut(Vec<Entry>)>,
) -> Option<Observer> {
    if !supports(entry_type) {
        return None;
    }
    let callback = Closure::<dyn FnMut(EntryList)>::new(move |list: EntryList| {
        on_entries(entries(&list.get_entries()))
    });
    let observer = Observer::new(callback.as_ref().unchecked_ref()).ok()?;
    callback.forget();
    let options = Object::new();
    Reflect::set(&options, &"type".into(), &entry_type.into()).ok()?;
    Reflect::set(&options, &"buffered".into(), &JsValue::TRUE).ok()?;
    if let Some(t) = duration_threshold {
        Reflect::set(&options, &"durationThreshold".into(), &t.into()).ok()?;
    }
    observer.observe(&options).ok()?;
    Some(observer)
}

/// Adds another entry type to an existing observer (INP's `first-input`).
pub fn also_observe(observer: &Observer, entry_type: &str) {
    if supports(entry_type) {
        let options = Object::new();
        let _ = Reflect::set(&options, &"type".into(), &entry_type.into());
        let _ = Reflect::set(&options, &"buffered".into(), &JsValue::TRUE);
        let _ = observer.observe(&options);
    }
}

/// Converts an array of entries.
pub fn entries(array: &Array) -> Vec<Entry> {
    array.iter().map(JsCast::unchecked_into).collect()
}

/// Adds a capturing event listener that lives as long as the page.
pub fn listen(
    target: &web_sys::EventTarget,
    event: &str,
    handler: impl FnMut(web_sys::Event) + 'static,
) {
    listen_boxed(target, event, Box::new(handler));
}

// Not generic, like `observe_boxed`.
fn listen_boxed(
    target: &web_sys::EventTarget,
    event: &str,
    handler: Box<dyn FnMut(web_sys::Event)>,
) {
    let closure = Closure::wrap(handler);
    let function: &Function = closure.as_ref().unchecked_ref();
    if target
        .add_event_listener_with_callback_and_bool(event, function, true)
        .is_ok()
    {
        closure.forget();
    }
}
