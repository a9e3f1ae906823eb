//! Why a beacon was refused: one stable reason code per case, used in answers and metrics.

macro_rules! reasons {
    ($($(#[doc = $doc:expr])* $name:ident => $code:literal,)*) => {
        /// A reason to refuse a beacon.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Reject {
            $($(#[doc = $doc])* $name,)*
        }

        impl Reject {
            /// Every reason, in discriminant order (for per-reason counters).
            pub const ALL: &'static [Reject] = &[$(Reject::$name,)*];

            /// The stable reason code, as answered and counted.
            pub fn code(self) -> &'static str {
                match self {
                    $(Reject::$name => $code,)*
                }
            }
        }
    };
}

reasons! {
    /// Not parseable as JSON (or not of the beacon's shape).
    InvalidJson => "invalid_json",
    /// An array body with more beacons than allowed.
    TooManyBeacons => "too_many_beacons",
    /// Nested deeper than the limit.
    TooDeep => "too_deep",
    /// Unknown protocol version.
    UnsupportedVersion => "unsupported_version",
    /// A required field is absent.
    MissingField => "missing_field",
    /// Site key malformed.
    InvalidSite => "invalid_site",
    /// Page-view id malformed.
    InvalidPageViewId => "invalid_page_view_id",
    /// Sequence number out of range.
    InvalidSequence => "invalid_sequence",
    /// Page URL not http(s).
    InvalidUrl => "invalid_url",
    /// Unknown navigation type.
    InvalidNavigationType => "invalid_navigation_type",
    /// A string is longer than its limit.
    StringTooLong => "string_too_long",
    /// A string holds a control character (NUL, newline, ...).
    ControlCharacter => "control_character",
    /// Sample rate outside (0, 1].
    InvalidSampleRate => "invalid_sample_rate",
    /// More custom dimensions than allowed.
    TooManyDimensions => "too_many_dimensions",
    /// A dimension key or value is malformed or too long.
    InvalidDimension => "invalid_dimension",
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for Reject {}
