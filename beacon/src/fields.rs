//! The declaration of every beacon field, once: wire name, value kind and limits, unit,
//! ClickHouse column and type, Core Web Vitals thresholds, and which layer of the agent sends
//! it. Parsing ([`crate::Beacon`]), validation, the collector's row encoder and column list, and
//! the checks of the agent's field list, `docs/beacon.md` and `DESCRIBE TABLE page_views` all
//! walk [`FIELDS`].
//!
//! Why a table the code walks rather than a derive macro or a build step: the facts are data
//! (names, limits, types), each consumer wants a different projection of them (a `match` on
//! wire keys, a column list, a docs table, a type check), and a `static` array is readable as
//! the one place to look. A small `macro_rules!` only numbers the entries ([`F`]) and builds the
//! wire-key lookup, so the names are not written twice.
//!
//! Order is the table's column order (migration `0001` and later `ADD COLUMN … AFTER`).
//! Entries without a wire name are columns derived from other fields (host, path, ratings);
//! entries without a column are wire-only (`v`).
//!
//! Adding a stored field: one entry here, a migration that adds its column at the same
//! position, and the agent code that measures it.

use crate::rating::Thresholds;
use crate::Reject;
use crate::{
    MAX_CLS, MAX_GROUP_LEN, MAX_HINT, MAX_PAGE_VIEW_ID_LEN, MAX_RELEASE_LEN, MAX_SELECTOR_LEN,
    MAX_SHORT_LEN, MAX_SITE_LEN, MAX_VIEWPORT, MIN_PAGE_VIEW_ID_LEN, NAVIGATION_TYPES,
};

/// What a field holds and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// The protocol version (integer), equal to [`crate::PROTOCOL_VERSION`].
    Version,
    /// The page view's sequence number, 1 to [`crate::MAX_SEQ`].
    Seq,
    /// ASCII letters, digits, `-`, `_`, `.`; a length outside `min..=max` is refused as `reject`.
    Token {
        /// Shortest accepted.
        min: usize,
        /// Longest accepted.
        max: usize,
        /// The reason given when malformed.
        reject: Reject,
    },
    /// The page's absolute `http(s)` URL; query and fragment stripped.
    PageUrl,
    /// A resource URL; query and fragment stripped.
    ResourceUrl,
    /// Free text of at most `max` bytes without control characters.
    Text {
        /// Longest accepted, in bytes.
        max: usize,
    },
    /// One of a fixed set of names; absent means the first, another is refused as `reject`.
    OneOf {
        /// The accepted names.
        names: &'static [&'static str],
        /// The reason given for another.
        reject: Reject,
    },
    /// A duration or time in milliseconds; above [`crate::MAX_TIMING_MS`] it is dropped.
    Ms,
    /// A non-negative number; above `max` it is dropped.
    Number {
        /// Largest kept.
        max: f64,
    },
    /// A sample rate in (0, 1]; the page view's weight is its inverse.
    Sample,
    /// A boolean.
    Flag,
    /// Custom dimensions ([`crate::Dims`]).
    Dims,
    /// Derived column: the URL's host.
    Host,
    /// Derived column: the URL's path.
    Path,
    /// Derived column: the rating of the given field by its thresholds.
    Rating(F),
    /// Derived column: the custom dimensions' values (the keys are the `dims` column).
    DimValues,
}

/// How a column is stored. Each has one ClickHouse type and one RowBinary encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `String`.
    String,
    /// `UInt32`.
    UInt32,
    /// `UInt8`.
    UInt8,
    /// `DateTime` (Unix seconds).
    DateTime,
    /// `Nullable(Float64)`: absent is NULL.
    NullableFloat64,
    /// `Nullable(UInt8)`: a flag, absent is NULL.
    NullableUInt8,
    /// `UInt16`: absent is 0.
    UInt16,
    /// `Float64`: absent is 1 (the sample rate of an unsampled page view).
    Float64,
    /// `Enum8` of [`crate::Rating`].
    Rating,
    /// `Array(String)`.
    ArrayString,
}

impl ColumnType {
    /// The type as ClickHouse 18.16 names it (migration `0001`; later migrations may wrap
    /// strings in `LowCardinality` where the server has it).
    pub const fn clickhouse(self) -> &'static str {
        match self {
            ColumnType::String => "String",
            ColumnType::UInt32 => "UInt32",
            ColumnType::UInt8 => "UInt8",
            ColumnType::DateTime => "DateTime",
            ColumnType::NullableFloat64 => "Nullable(Float64)",
            ColumnType::NullableUInt8 => "Nullable(UInt8)",
            ColumnType::UInt16 => "UInt16",
            ColumnType::Float64 => "Float64",
            ColumnType::Rating => {
                "Enum8('none' = 0, 'good' = 1, 'needs-improvement' = 2, 'poor' = 3)"
            }
            ColumnType::ArrayString => "Array(String)",
        }
    }
}

/// Which layer of the agent sends a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The wasm's numbers (`Field` in `agent/src/page_view.rs`, in wire order in
    /// `agent/js/lib/beacon.js`).
    Wasm,
    /// The JavaScript layer (strings, hints, ids).
    Js,
    /// Nobody: a column the collector derives.
    Derived,
}

/// One field of the beacon and its column.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// JSON key on the wire; empty for derived columns.
    pub wire: &'static str,
    /// ClickHouse column; empty for wire-only fields.
    pub column: &'static str,
    /// Storage of the column.
    pub column_type: ColumnType,
    /// Value kind and its limits.
    pub kind: Kind,
    /// Whether a beacon without it is refused (`missing_field`).
    pub required: bool,
    /// Unit of numbers (`ms`, `px`, ...); empty when unitless or not a number.
    pub unit: &'static str,
    /// Core Web Vitals thresholds, where the field is rated.
    pub rating: Option<Thresholds>,
    /// Which layer of the agent sends it.
    pub sender: Sender,
    /// What it means (the declaration's doc comment).
    pub doc: &'static str,
}

/// The JSON type a wire field carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// Unsigned integer.
    Int,
    /// Number.
    Num,
    /// String.
    Str,
    /// Boolean.
    Bool,
    /// Object of strings.
    Object,
    /// Not on the wire.
    None,
}

impl Kind {
    /// The JSON type this kind is read from.
    pub const fn wire_type(self) -> WireType {
        match self {
            Kind::Version | Kind::Seq => WireType::Int,
            Kind::Token { .. }
            | Kind::PageUrl
            | Kind::ResourceUrl
            | Kind::Text { .. }
            | Kind::OneOf { .. } => WireType::Str,
            Kind::Ms | Kind::Number { .. } | Kind::Sample => WireType::Num,
            Kind::Flag => WireType::Bool,
            Kind::Dims => WireType::Object,
            Kind::Host | Kind::Path | Kind::Rating(_) | Kind::DimValues => WireType::None,
        }
    }
}

const fn field(column: &'static str, column_type: ColumnType, kind: Kind) -> Field {
    Field {
        wire: "",
        column,
        column_type,
        kind,
        required: false,
        unit: "",
        rating: None,
        sender: Sender::Js,
        doc: "",
    }
}

const fn string(column: &'static str, kind: Kind) -> Field {
    field(column, ColumnType::String, kind)
}

const fn text(column: &'static str, max: usize) -> Field {
    string(column, Kind::Text { max })
}

const fn ms(column: &'static str) -> Field {
    Field {
        unit: "ms",
        sender: Sender::Wasm,
        ..field(column, ColumnType::NullableFloat64, Kind::Ms)
    }
}

const fn number(column: &'static str, max: f64, unit: &'static str) -> Field {
    Field {
        unit,
        ..field(column, ColumnType::NullableFloat64, Kind::Number { max })
    }
}

const fn derived(column: &'static str, column_type: ColumnType, kind: Kind) -> Field {
    Field {
        sender: Sender::Derived,
        ..field(column, column_type, kind)
    }
}

const fn rating_of(column: &'static str, of: F) -> Field {
    derived(column, ColumnType::Rating, Kind::Rating(of))
}

impl Field {
    const fn required(self) -> Self {
        Field {
            required: true,
            ..self
        }
    }

    const fn rated(self, good: f64, poor: f64) -> Self {
        Field {
            rating: Some(Thresholds { good, poor }),
            ..self
        }
    }

    const fn sent_by_wasm(self) -> Self {
        Field {
            sender: Sender::Wasm,
            ..self
        }
    }

    const fn sent_by_js(self) -> Self {
        Field {
            sender: Sender::Js,
            ..self
        }
    }

    /// Whether the field is read from the beacon's JSON.
    pub const fn on_wire(&self) -> bool {
        !self.wire.is_empty()
    }

    /// Whether the field has a column.
    pub const fn stored(&self) -> bool {
        !self.column.is_empty()
    }
}

/// Numbers the entries ([`F`]), builds [`FIELDS`] in the same order with each entry's wire
/// name and doc filled in, and the wire-key lookup.
macro_rules! fields {
    ($( $(#[doc = $doc:literal])+ $id:ident $(= $wire:literal)? => $spec:expr, )+) => {
        /// A beacon field or derived column, by its position in [`FIELDS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum F {
            $( $(#[doc = $doc])+ $id, )+
        }

        /// How many entries [`FIELDS`] has.
        pub const FIELD_COUNT: usize = [$(F::$id),+].len();

        /// Every field and derived column, in the table's column order.
        pub static FIELDS: [Field; FIELD_COUNT] = [
            $( Field { wire: fields!(@wire $($wire)?), doc: concat!($($doc),+), ..$spec }, )+
        ];

        impl F {
            /// Every entry, in [`FIELDS`] order.
            pub const ALL: [F; FIELD_COUNT] = [$(F::$id),+];

            /// The field a JSON key names, if any.
            pub fn from_wire(key: &str) -> Option<F> {
                match key {
                    $( $($wire => Some(F::$id),)? )+
                    _ => None,
                }
            }
        }
    };
    (@wire $wire:literal) => { $wire };
    (@wire) => { "" };
}

fields! {
    /// Protocol version; must be 1.
    V = "v" => field("", ColumnType::UInt32, Kind::Version).required(),
    /// Site key, configured in the collector.
    Site = "site" => string(
        "site",
        Kind::Token { min: 1, max: MAX_SITE_LEN, reject: Reject::InvalidSite },
    ).required(),
    /// Random page-view id chosen by the agent.
    Pv = "pv" => string(
        "page_view_id",
        Kind::Token {
            min: MIN_PAGE_VIEW_ID_LEN,
            max: MAX_PAGE_VIEW_ID_LEN,
            reject: Reject::InvalidPageViewId,
        },
    ).required(),
    /// Sequence number: a later beacon of the same page view has a higher one and replaces it.
    Seq = "seq" => field("seq", ColumnType::UInt32, Kind::Seq).required(),
    /// Page URL (query and fragment are stripped).
    Url = "url" => string("url", Kind::PageUrl).required(),
    /// Host of the page URL.
    Host => derived("host", ColumnType::String, Kind::Host),
    /// Path of the page URL.
    Path => derived("path", ColumnType::String, Kind::Path),
    /// Page group chosen by the merchant (`data-page-group` or `rum.push(['group', ..])`).
    Group = "group" => text("page_group", MAX_GROUP_LEN),
    /// Navigation type, as web-vitals names it.
    Nav = "nav" => string(
        "navigation_type",
        Kind::OneOf { names: &NAVIGATION_TYPES, reject: Reject::InvalidNavigationType },
    ),
    /// Time to first byte (`responseStart`).
    Ttfb = "ttfb" => ms("ttfb_ms").rated(800.0, 1800.0),
    /// First contentful paint.
    Fcp = "fcp" => ms("fcp_ms").rated(1800.0, 3000.0),
    /// Largest contentful paint.
    Lcp = "lcp" => ms("lcp_ms").rated(2500.0, 4000.0),
    /// Cumulative layout shift (unitless, largest session window).
    Cls = "cls" => number("cls", MAX_CLS, "").rated(0.1, 0.25).sent_by_wasm(),
    /// Interaction to next paint.
    Inp = "inp" => ms("inp_ms").rated(200.0, 500.0),
    /// First input delay (kept for continuity with older tools).
    Fid = "fid" => ms("fid_ms").rated(100.0, 300.0),
    /// `domInteractive` of the navigation entry.
    DomInteractive = "dom_interactive" => ms("dom_interactive_ms"),
    /// `domContentLoadedEventEnd`.
    Dcl = "dcl" => ms("dom_content_loaded_ms"),
    /// `loadEventEnd`.
    Load = "load" => ms("load_ms"),
    /// Redirect phase duration.
    Redirect = "redirect" => ms("redirect_ms"),
    /// DNS lookup duration.
    Dns = "dns" => ms("dns_ms"),
    /// TCP connect duration (including TLS).
    Connect = "connect" => ms("connect_ms"),
    /// TLS handshake duration.
    Tls = "tls" => ms("tls_ms"),
    /// Request sent until first byte.
    Request = "request" => ms("request_ms"),
    /// First byte until last byte of the document.
    Response = "response" => ms("response_ms"),
    /// Rating of TTFB.
    TtfbRating => rating_of("ttfb_rating", F::Ttfb),
    /// Rating of FCP.
    FcpRating => rating_of("fcp_rating", F::Fcp),
    /// Rating of LCP.
    LcpRating => rating_of("lcp_rating", F::Lcp),
    /// Rating of CLS.
    ClsRating => rating_of("cls_rating", F::Cls),
    /// Rating of INP.
    InpRating => rating_of("inp_rating", F::Inp),
    /// CSS selector of the LCP element.
    LcpEl = "lcp_el" => text("lcp_element", MAX_SELECTOR_LEN),
    /// URL of the LCP resource (image), query stripped.
    LcpUrl = "lcp_url" => string("lcp_url", Kind::ResourceUrl),
    /// LCP sub-part: time to first byte.
    LcpTtfb = "lcp_ttfb" => ms("lcp_ttfb_ms"),
    /// LCP sub-part: resource load delay.
    LcpDelay = "lcp_delay" => ms("lcp_resource_delay_ms"),
    /// LCP sub-part: resource load duration.
    LcpLoad = "lcp_load" => ms("lcp_resource_duration_ms"),
    /// LCP sub-part: element render delay.
    LcpRender = "lcp_render" => ms("lcp_render_delay_ms"),
    /// CSS selector of the INP interaction target.
    InpTarget = "inp_target" => text("inp_target", MAX_SELECTOR_LEN),
    /// Event type of the INP interaction (`pointerup`, `keydown`, ...).
    InpType = "inp_type" => text("inp_event", MAX_SHORT_LEN),
    /// INP phase: input delay.
    InpDelay = "inp_delay" => ms("inp_input_delay_ms"),
    /// INP phase: processing duration.
    InpProc = "inp_proc" => ms("inp_processing_ms"),
    /// INP phase: presentation delay.
    InpPres = "inp_pres" => ms("inp_presentation_ms"),
    /// CSS selector of the largest layout-shift source.
    ClsTarget = "cls_target" => text("cls_target", MAX_SELECTOR_LEN),
    /// Time of the largest layout shift.
    ClsTime = "cls_time" => ms("cls_time_ms"),
    /// Effective connection type (`navigator.connection.effectiveType`).
    Ect = "ect" => text("effective_type", MAX_SHORT_LEN),
    /// Round-trip time estimate.
    Rtt = "rtt" => ms("rtt_ms").sent_by_js(),
    /// Downlink estimate.
    Downlink = "downlink" => number("downlink_mbps", MAX_HINT, "Mbit/s"),
    /// Data saver on.
    SaveData = "save_data" => field("save_data", ColumnType::NullableUInt8, Kind::Flag),
    /// `navigator.deviceMemory`.
    Mem = "mem" => number("device_memory_gb", MAX_HINT, "GiB"),
    /// `navigator.hardwareConcurrency`.
    Cpus = "cpus" => number("cpu_cores", MAX_HINT, "cores"),
    /// Viewport width.
    Vw = "vw" => Field {
        unit: "px",
        ..field("viewport_width", ColumnType::UInt16, Kind::Number { max: MAX_VIEWPORT })
    },
    /// Viewport height.
    Vh = "vh" => Field {
        unit: "px",
        ..field("viewport_height", ColumnType::UInt16, Kind::Number { max: MAX_VIEWPORT })
    },
    /// Sample rate; reports weight the page view by its inverse.
    Sample = "sample" => field("sample_rate", ColumnType::Float64, Kind::Sample),
    /// Custom dimensions set by the page (the column holds their keys).
    Dims = "dims" => field("dim_keys", ColumnType::ArrayString, Kind::Dims),
    /// Values of the custom dimensions, in the order of their keys.
    DimValues => derived("dim_values", ColumnType::ArrayString, Kind::DimValues),
    /// The storefront's release (`data-release` or `rum.push(['release', ..])`).
    Release = "release" => text("release", MAX_RELEASE_LEN),
    /// On a soft navigation's view: the `pv` of the visit's hard-navigation view.
    Root = "root" => string(
        "root_page_view_id",
        Kind::Token {
            min: MIN_PAGE_VIEW_ID_LEN,
            max: MAX_PAGE_VIEW_ID_LEN,
            reject: Reject::InvalidPageViewId,
        },
    ),
    /// False when the page was left before its load event (web-vitals would send nothing).
    Loaded = "loaded" => field("loaded", ColumnType::NullableUInt8, Kind::Flag),
    /// INP's longest Long Animation Frame script: its `sourceURL`, query stripped.
    InpScriptUrl = "inp_script_url" => string("inp_script_url", Kind::ResourceUrl),
    /// INP's longest script: its `invokerType` (`event-listener`, `user-callback`, ...).
    InpScriptType = "inp_script_type" => text("inp_script_invoker_type", MAX_SHORT_LEN),
    /// INP's longest script: its `invoker`.
    InpScriptInvoker = "inp_script_invoker" => text("inp_script_invoker", MAX_SELECTOR_LEN),
    /// INP's longest script: its duration within the interaction.
    InpScriptMs = "inp_script_ms" => ms("inp_script_ms").sent_by_js(),
    /// INP's longest script: the phase it fell in (web-vitals' subpart names).
    InpScriptPhase = "inp_script_phase" => text("inp_script_phase", MAX_SHORT_LEN),
    /// INP's Long Animation Frames: total script duration.
    InpScriptTotal = "inp_script_total" => ms("inp_total_script_ms").sent_by_js(),
    /// INP's Long Animation Frames: total style and layout duration.
    InpStyleLayout = "inp_style_layout" => ms("inp_style_layout_ms").sent_by_js(),
    /// INP's Long Animation Frames: total paint duration.
    InpPaint = "inp_paint" => ms("inp_paint_ms").sent_by_js(),
    /// INP's Long Animation Frames: the interaction's time not covered by them.
    InpUnattributed = "inp_unattributed" => ms("inp_unattributed_ms").sent_by_js(),
}

impl F {
    /// This entry's declaration.
    pub fn spec(self) -> &'static Field {
        &FIELDS[self as usize]
    }

    /// The entries that have a column, in column order.
    pub fn stored() -> impl Iterator<Item = F> {
        F::ALL.into_iter().filter(|f| f.spec().stored())
    }
}
