//! Lecture tours (巡回宣讲): sessions of a delegation (报告团) at venues, and the rule that
//! no speaker is booked twice — two sessions of one speaker may not overlap, and between
//! venues in different counties the speaker needs a travel gap (2 hours unless the campaign
//! says otherwise).

use chrono::{Duration, NaiveDateTime};

use crate::i18n::Message;

/// The travel gap between sessions in different counties when the campaign names none.
pub const DEFAULT_TRAVEL_MINUTES: i64 = 120;

/// A session as the schedule sees it: when, and in which county the venue is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// The county (县/市/区) the venue lies in, by its organisation code.
    pub county: String,
}

impl Slot {
    /// A session ends after it starts.
    pub fn check(&self) -> Result<(), Message> {
        if self.ends_at <= self.starts_at {
            return Err(Message::of("lecture.ends_before_start", &[]));
        }
        Ok(())
    }
}

/// Whether one speaker can give both sessions: they do not overlap and, in different
/// counties, leave `travel` between the end of one and the start of the other.
pub fn compatible(a: &Slot, b: &Slot, travel: Duration) -> bool {
    let gap = if a.county == b.county {
        Duration::zero()
    } else {
        travel
    };
    a.ends_at + gap <= b.starts_at || b.ends_at + gap <= a.starts_at
}

/// The first of a speaker's other sessions that the new one clashes with, if any (the
/// session being rescheduled itself is not counted).
pub fn clash<'a>(new: &Slot, booked: &'a [Slot], travel: Duration) -> Option<&'a Slot> {
    booked
        .iter()
        .filter(|s| s.id != new.id)
        .find(|s| !compatible(new, s, travel))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: i64, from: &str, to: &str, county: &str) -> Slot {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        Slot {
            id,
            starts_at: t(from),
            ends_at: t(to),
            county: county.into(),
        }
    }

    #[test]
    fn a_speaker_is_never_in_two_places_and_travels_between_counties() {
        let travel = Duration::minutes(DEFAULT_TRAVEL_MINUTES);
        let morning = slot(1, "2012-03-05 09:00", "2012-03-05 11:00", "JZ-JF");
        let booked = vec![morning.clone()];
        // Overlapping: refused, naming the other session.
        let overlap = slot(2, "2012-03-05 10:30", "2012-03-05 12:00", "JZ-JF");
        assert_eq!(clash(&overlap, &booked, travel).map(|s| s.id), Some(1));
        // Back to back in the same county: fine.
        let next = slot(3, "2012-03-05 11:00", "2012-03-05 12:00", "JZ-JF");
        assert_eq!(clash(&next, &booked, travel), None);
        // In another county an hour later: not enough to travel; two hours: fine.
        let early = slot(4, "2012-03-05 12:00", "2012-03-05 13:00", "JZ-MZ");
        assert_eq!(clash(&early, &booked, travel).map(|s| s.id), Some(1));
        let later = slot(5, "2012-03-05 13:00", "2012-03-05 14:00", "JZ-MZ");
        assert_eq!(clash(&later, &booked, travel), None);
        // Before the booked one, the same gap counts the other way.
        let before = slot(6, "2012-03-05 06:30", "2012-03-05 07:30", "JZ-MZ");
        assert_eq!(clash(&before, &booked, travel).map(|s| s.id), Some(1));
        // Rescheduling a session does not clash with itself.
        let moved = slot(1, "2012-03-05 09:30", "2012-03-05 11:30", "JZ-JF");
        assert_eq!(clash(&moved, &booked, travel), None);
    }

    #[test]
    fn a_session_ends_after_it_starts() {
        let bad = slot(1, "2012-03-05 11:00", "2012-03-05 11:00", "JZ-JF");
        assert_eq!(bad.check().unwrap_err().key(), "lecture.ends_before_start");
    }
}
