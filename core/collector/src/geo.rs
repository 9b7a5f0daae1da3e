//! Coarse places: geohashes of at most 5 characters (a cell about 5 km
//! across), and the distance between two cells' centres.

/// The longest geohash a report may carry: nothing finer than a town.
pub const MAX_GEOHASH: usize = 5;

const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// The centre (latitude, longitude) of a geohash of 1 to 5 characters.
pub fn decode(hash: &str) -> Option<(f64, f64)> {
    if hash.is_empty() || hash.len() > MAX_GEOHASH {
        return None;
    }
    let (mut lat, mut lon) = ((-90.0f64, 90.0f64), (-180.0f64, 180.0f64));
    let mut even = true;
    for c in hash.bytes() {
        let value = ALPHABET.iter().position(|&a| a == c)?;
        for bit in (0..5).rev() {
            let range = if even { &mut lon } else { &mut lat };
            let mid = (range.0 + range.1) / 2.0;
            if value >> bit & 1 == 1 {
                range.0 = mid;
            } else {
                range.1 = mid;
            }
            even = !even;
        }
    }
    Some(((lat.0 + lat.1) / 2.0, (lon.0 + lon.1) / 2.0))
}

/// Great-circle distance in km between two points.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geohashes_decode_to_their_cells_and_junk_is_refused() {
        // "u33db" is Berlin, "u09tv" Paris: about 880 km apart.
        let berlin = decode("u33db").unwrap();
        let paris = decode("u09tv").unwrap();
        assert!((berlin.0 - 52.5).abs() < 0.1 && (berlin.1 - 13.4).abs() < 0.1, "{berlin:?}");
        let d = distance_km(berlin, paris);
        assert!((850.0..910.0).contains(&d), "{d}");
        assert_eq!(decode("u33dbx"), None, "finer than 5 characters");
        assert_eq!(decode("u3a"), None, "'a' is not in the alphabet");
        assert_eq!(decode(""), None);
    }
}
