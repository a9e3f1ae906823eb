//! The shop's catalogue: a handful of categories and products, enough for realistic pages.

/// A product on sale.
#[derive(Clone, Copy)]
pub struct Product {
    /// URL id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Category URL name.
    pub category: &'static str,
    /// Price in cents.
    pub price_cents: u32,
    /// Hero image colour.
    pub colour: &'static str,
}

/// Category URL names with display titles.
pub const CATEGORIES: [(&str, &str); 3] = [
    ("coffee", "Coffee"),
    ("tea", "Tea"),
    ("brewing", "Brewing gear"),
];

/// Every product.
pub const PRODUCTS: [Product; 6] = [
    Product {
        id: "espresso-blend",
        name: "Espresso blend 1 kg",
        category: "coffee",
        price_cents: 2490,
        colour: "#6b3e26",
    },
    Product {
        id: "single-origin",
        name: "Single origin Ethiopia",
        category: "coffee",
        price_cents: 1890,
        colour: "#8a5a3b",
    },
    Product {
        id: "sencha",
        name: "Sencha green tea",
        category: "tea",
        price_cents: 1290,
        colour: "#5b8c3a",
    },
    Product {
        id: "earl-grey",
        name: "Earl Grey",
        category: "tea",
        price_cents: 990,
        colour: "#4a5d8c",
    },
    Product {
        id: "pour-over",
        name: "Pour-over kettle",
        category: "brewing",
        price_cents: 4900,
        colour: "#777777",
    },
    Product {
        id: "grinder",
        name: "Burr grinder",
        category: "brewing",
        price_cents: 8900,
        colour: "#333333",
    },
];

/// A product by id; unknown ids get a generic product so any `/product/<id>` URL renders
/// (tests use unique ids to find their own page view).
pub fn product(id: &str) -> Product {
    PRODUCTS
        .iter()
        .find(|p| p.id == id)
        .copied()
        .unwrap_or(Product {
            id: "other",
            name: "Mystery box",
            category: "coffee",
            price_cents: 1500,
            colour: "#a04060",
        })
}
