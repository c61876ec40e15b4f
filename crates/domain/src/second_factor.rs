//! The second factor (双因素认证) of accounts that run the campaign: a time-based one-time
//! code (TOTP, RFC 6238: six digits, a new one every 30 seconds, HMAC-SHA-1) from any
//! authenticator app, set up by scanning a QR code; and single-use recovery codes for a
//! lost phone. Pure: the time and the randomness come from the caller.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::role::Role;

/// The issuer shown in authenticator apps beside the account name.
pub const ISSUER: &str = "xianfeng";

/// Recovery codes handed out when the second factor is set up.
pub const RECOVERY_CODES: usize = 10;

/// A shared TOTP secret (20 random bytes, the RFC's recommended length).
#[derive(Clone)]
pub struct OneTimeSecret(Vec<u8>);

impl std::fmt::Debug for OneTimeSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeSecret(..)")
    }
}

impl OneTimeSecret {
    pub fn from_random(bytes: [u8; 20]) -> OneTimeSecret {
        OneTimeSecret(bytes.to_vec())
    }

    /// As people and apps write it: base32, without padding.
    pub fn to_base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    pub fn from_base32(text: &str) -> Option<OneTimeSecret> {
        let secret = Secret::try_from_base32(text.trim()).ok()?;
        let bytes = secret.as_ref().to_vec();
        (bytes.len() >= 16).then_some(OneTimeSecret(bytes))
    }

    fn totp(&self) -> Option<Totp> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(self.0.clone())
            .build()
            .ok()
    }

    /// The 30-second step a code belongs to, if it is right at `unix_seconds` (the step
    /// before and after count too, for a phone's clock a little off). The caller accepts
    /// a step only once.
    pub fn check(&self, code: &str, unix_seconds: u64) -> Option<u64> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp()?;
        let at = totp.check(&digits, unix_seconds)?;
        Some(at)
    }

    /// The code for `unix_seconds` (for tests and the setup page's check).
    pub fn code_at(&self, unix_seconds: u64) -> Option<String> {
        Some(self.totp()?.generate(unix_seconds).to_string())
    }

    /// The `otpauth://` address an authenticator app reads from a QR code.
    pub fn otpauth_url(&self, account: &str) -> String {
        let label: String = format!("{ISSUER}:{account}")
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!(
            "otpauth://totp/{label}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits=6&period=30",
            self.to_base32()
        )
    }
}

/// Whether a role must use a second factor when the installation requires one: those who
/// run the campaign for the whole city (the administrator and the campaign office).
pub fn required_for(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Office)
}

/// A recovery code from 10 random bytes: 16 characters of an alphabet without look-alikes
/// (no 0/O, 1/I/L), in groups of four.
pub fn recovery_code(random: [u8; 10]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut n = u128::from_be_bytes({
        let mut b = [0u8; 16];
        b[6..].copy_from_slice(&random);
        b
    });
    let mut out = String::new();
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[(n % ALPHABET.len() as u128) as usize] as char);
        n /= ALPHABET.len() as u128;
    }
    out
}

/// A recovery code as typed, normalised for comparison (case, spaces and hyphens forgiven).
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 key and the 8-digit codes' last six digits.
    #[test]
    fn codes_agree_with_the_rfc_test_vectors() {
        let secret = OneTimeSecret(b"12345678901234567890".to_vec());
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(secret.code_at(time).as_deref(), Some(code), "{time}");
            assert_eq!(secret.check(code, time), Some(time / 30));
        }
    }

    #[test]
    fn a_code_holds_for_its_step_and_the_neighbours_only() {
        let secret = OneTimeSecret::from_random([7; 20]);
        let code = secret.code_at(1_000_000_000).unwrap();
        assert!(
            secret.check(&code, 1_000_000_000 + 30).is_some(),
            "a clock 30 s off"
        );
        assert!(
            secret.check(&code, 1_000_000_000 + 90).is_none(),
            "three steps later"
        );
        assert!(
            secret
                .check(&format!(" {} {} ", &code[..3], &code[3..]), 1_000_000_000)
                .is_some()
        );
        assert!(secret.check("12345", 1_000_000_000).is_none());
        assert!(secret.check("abcdef", 1_000_000_000).is_none());
        let back = OneTimeSecret::from_base32(&secret.to_base32()).unwrap();
        assert_eq!(back.code_at(5), secret.code_at(5));
        let url = secret.otpauth_url("office");
        assert!(
            url.starts_with("otpauth://totp/xianfeng:office?secret="),
            "{url}"
        );
    }

    #[test]
    fn recovery_codes_are_readable_and_forgiving() {
        let code = recovery_code([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(code.len(), 19);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        assert_ne!(code, recovery_code([1, 2, 3, 4, 5, 6, 7, 8, 9, 11]));
        assert_eq!(
            normalise_recovery_code(&code.to_lowercase().replace('-', " ")),
            code.replace('-', "")
        );
        assert!(required_for(Role::Office) && !required_for(Role::Secretary));
    }
}
