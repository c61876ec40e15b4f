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

serialize_as_code!(CommentStatus);

/// A rating's comment: shown to the public only once moderated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentStatus {
    /// 待审核
    Pending,
    /// 已公开
    Shown,
    /// 已屏蔽
    Hidden,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 3] = [
        CommentStatus::Pending,
        CommentStatus::Shown,
        CommentStatus::Hidden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Shown => "shown",
            CommentStatus::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        CommentStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The longest comment on a speaker.
pub const MAX_COMMENT_CHARS: usize = 300;

/// A rating as the audience gives it: 1 to 5 stars, and a comment of plain text.
pub fn check_rating(stars: i64, comment: &str) -> Result<(), Message> {
    if !(1..=5).contains(&stars) {
        return Err(Message::of("lecture.stars", &[]));
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Message::of(
            "lecture.comment_too_long",
            &[("max", &MAX_COMMENT_CHARS)],
        ));
    }
    Ok(())
}

/// Reads a session time as offices type it: `2012-03-05 09:00` (or with a `T`).
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()
}

/// A session time as stored and shown: `2012-03-05 09:00` (sorts as text).
pub fn format_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
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

    #[test]
    fn a_rating_is_one_to_five_stars_and_a_short_comment() {
        assert!(check_rating(1, "").is_ok() && check_rating(5, "讲得好").is_ok());
        assert_eq!(check_rating(0, "").unwrap_err().key(), "lecture.stars");
        assert_eq!(check_rating(6, "").unwrap_err().key(), "lecture.stars");
        let long = "好".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            check_rating(4, &long).unwrap_err().key(),
            "lecture.comment_too_long"
        );
        let t = parse_time("2012-03-05T09:30").unwrap();
        assert_eq!(format_time(t), "2012-03-05 09:30");
        assert_eq!(parse_time("2012-03-05 9"), None);
    }
}
