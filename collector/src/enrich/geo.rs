//! Geography from a MaxMind-format database (GeoLite2-City or compatible), memory-mapped.

use maxminddb::Reader;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::Path;
use thiserror::Error;

/// Why the database could not be opened.
#[derive(Debug, Error)]
#[error("cannot open GeoIP database {path}: {source}")]
pub struct GeoError {
    path: String,
    source: maxminddb::MaxMindDbError,
}

/// Geography of one IP; empty strings where unknown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Geo<'a> {
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: &'a str,
    /// Country name in English.
    pub country: &'a str,
    /// Continent code (EU, NA, ...).
    pub continent: &'a str,
    /// First-level subdivision name in English.
    pub subdivision: &'a str,
    /// City name in English.
    pub city: &'a str,
    /// Autonomous system number, 0 when unknown.
    pub asn: u32,
    /// Autonomous system organisation.
    pub as_org: &'a str,
}

/// An open database.
pub struct GeoDb {
    reader: Reader<maxminddb::Mmap>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow)]
    country: Place<'a>,
    #[serde(borrow)]
    continent: Place<'a>,
    #[serde(borrow)]
    city: Place<'a>,
    #[serde(borrow)]
    subdivisions: Vec<Place<'a>>,
    autonomous_system_number: u32,
    #[serde(borrow)]
    autonomous_system_organization: &'a str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Place<'a> {
    #[serde(borrow)]
    iso_code: &'a str,
    #[serde(borrow)]
    code: &'a str,
    #[serde(borrow)]
    names: Names<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Names<'a> {
    #[serde(borrow)]
    en: &'a str,
}

impl GeoDb {
    /// Memory-maps the database at `path`.
    pub fn open(path: &Path) -> Result<GeoDb, GeoError> {
        // SAFETY: the mapping is only sound while nobody rewrites the file in place. Database
        // updates must replace the file atomically (write a new file, then rename), as
        // geoipupdate does; the README says so.
        let reader = unsafe { Reader::open_mmap(path) }.map_err(|source| GeoError {
            path: path.display().to_string(),
            source,
        })?;
        Ok(GeoDb { reader })
    }

    /// The database's type as its metadata names it (e.g. `GeoLite2-City`).
    pub fn kind(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// Looks an IP up; private and unknown addresses give an empty [`Geo`].
    pub fn lookup(&self, ip: IpAddr) -> Geo<'_> {
        let Ok(found) = self.reader.lookup(ip) else {
            return Geo::default();
        };
        let Ok(Some(r)) = found.decode::<Record<'_>>() else {
            return Geo::default();
        };
        Geo {
            country_code: r.country.iso_code,
            country: r.country.names.en,
            continent: r.continent.code,
            subdivision: r.subdivisions.first().map_or("", |s| s.names.en),
            city: r.city.names.en,
            asn: r.autonomous_system_number,
            as_org: r.autonomous_system_organization,
        }
    }
}
