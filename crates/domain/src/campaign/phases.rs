//! Phases that open work (阶段与工作): the actions a campaign file confines to phases, and
//! whether one is open on a day, counting the spans the office opened besides (提前开放,
//! 延长).

use chrono::NaiveDate;
use serde::Serialize;

use super::{Campaign, Phase, parse_iso};
use crate::i18n::Message;

/// Work a campaign file may confine to phases with a phase's `opens = [...]`. An action no
/// phase names is open throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhasedAction {
    /// Submitting an implementation plan (实施方案).
    Plan,
    /// Submitting a public commitment (公开承诺).
    Commit,
    /// Writing a leader review (领导点评).
    Review,
    /// Creating a mass-evaluation round (群众评议).
    Evaluate,
    /// Nominating for an honour (推荐评选).
    Nominate,
}

impl PhasedAction {
    pub const ALL: [PhasedAction; 5] = [
        PhasedAction::Plan,
        PhasedAction::Commit,
        PhasedAction::Review,
        PhasedAction::Evaluate,
        PhasedAction::Nominate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhasedAction::Plan => "plan",
            PhasedAction::Commit => "commit",
            PhasedAction::Review => "review",
            PhasedAction::Evaluate => "evaluate",
            PhasedAction::Nominate => "nominate",
        }
    }

    pub fn parse(code: &str) -> Option<PhasedAction> {
        PhasedAction::ALL.into_iter().find(|a| a.as_str() == code)
    }

    /// Its name for people (提交实施方案, 推荐评选 …).
    pub fn name(self) -> Message {
        Message::new(format!("phased_action.{}", self.as_str()))
    }
}

/// A span in which the office opened a phase's work besides the phase's own dates: before
/// it (opened early) or after it (extended). Both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseWindow {
    pub phase: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Phase {
    /// The actions this phase opens.
    pub fn opened(&self) -> Vec<PhasedAction> {
        self.opens
            .iter()
            .filter_map(|a| PhasedAction::parse(a.get_ref()))
            .collect()
    }

    /// Its dates (checked when the file was loaded).
    pub fn dates(&self) -> (NaiveDate, NaiveDate) {
        (
            parse_iso(self.starts_on.get_ref()).expect("checked on load"),
            parse_iso(self.ends_on.get_ref()).expect("checked on load"),
        )
    }
}

/// Whether an action is open on a day, and by what.
#[derive(Debug, Clone, Copy)]
pub enum Openness<'a> {
    /// No phase names it: open throughout.
    Throughout,
    /// Open in a phase that opens it, until the phase's last day.
    InPhase(&'a Phase),
    /// Open in a span the office opened: the index of the window given.
    InWindow(usize),
    /// Closed on that day.
    Closed,
}

impl Campaign {
    /// Whether `action` is open on `day`, and by what (a phase before a window).
    pub fn openness(
        &self,
        action: PhasedAction,
        day: NaiveDate,
        windows: &[PhaseWindow],
    ) -> Openness<'_> {
        let phases = self.phases_opening(action);
        if phases.is_empty() {
            return Openness::Throughout;
        }
        let within = |(s, e): (NaiveDate, NaiveDate)| s <= day && day <= e;
        if let Some(p) = phases.iter().find(|p| within(p.dates())) {
            return Openness::InPhase(p);
        }
        windows
            .iter()
            .position(|w| {
                phases.iter().any(|p| w.phase == *p.code.get_ref())
                    && within((w.starts_on, w.ends_on))
            })
            .map_or(Openness::Closed, Openness::InWindow)
    }

    /// The phases that open `action` (none: it is open throughout).
    pub fn phases_opening(&self, action: PhasedAction) -> Vec<&Phase> {
        self.file
            .phases
            .iter()
            .filter(|p| p.opened().contains(&action))
            .collect()
    }

    /// A phase by code.
    pub fn phase(&self, code: &str) -> Option<&Phase> {
        self.file.phases.iter().find(|p| p.code.get_ref() == code)
    }

    /// Whether `action` is open on `day`: in a phase that opens it, or in a span the
    /// office opened for such a phase. Refused, the message names the action, the phases
    /// with their dates, and the day.
    pub fn action_open(
        &self,
        action: PhasedAction,
        day: NaiveDate,
        windows: &[PhaseWindow],
    ) -> Result<(), Message> {
        if !matches!(self.openness(action, day, windows), Openness::Closed) {
            return Ok(());
        }
        Err(Message::new("campaign.action_closed")
            .arg_message("action", action.name())
            .arg_message("phases", self.phase_spans(action))
            .arg("day", day))
    }

    /// The phases that open `action`, each with its dates, as a list in the reader's
    /// language.
    pub fn phase_spans(&self, action: PhasedAction) -> Message {
        Message::list(self.phases_opening(action).into_iter().map(|p| {
            let (s, e) = p.dates();
            Message::new("campaign.phase_span")
                .arg_term("phase", &p.name)
                .arg("start", s)
                .arg("end", e)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn nominating_opens_with_the_commendation_phase_and_a_window_the_office_adds() {
        let c = Campaign::builtin();
        let refused = c
            .action_open(PhasedAction::Nominate, day("2011-03-01"), &[])
            .expect_err("closed in the implementation phase");
        let zh = refused.render(Lang::ZhCn);
        assert!(zh.contains("评选表彰"), "{zh}");
        assert!(
            zh.contains("2012-05-16") && zh.contains("2012-06-30"),
            "{zh}"
        );
        assert!(zh.contains("2011-03-01"), "{zh}");
        let en = refused.render(Lang::En);
        assert!(en.contains("Selection and commendation"), "{en}");
        assert!(!en.contains("评选"), "{en}");

        assert!(
            c.action_open(PhasedAction::Nominate, day("2012-05-16"), &[])
                .is_ok()
        );
        assert!(
            c.action_open(PhasedAction::Nominate, day("2012-07-01"), &[])
                .is_err()
        );
        let early = PhaseWindow {
            phase: "commendation".into(),
            starts_on: day("2011-02-20"),
            ends_on: day("2011-03-10"),
        };
        assert!(
            c.action_open(
                PhasedAction::Nominate,
                day("2011-03-01"),
                std::slice::from_ref(&early)
            )
            .is_ok()
        );
        assert!(
            c.action_open(
                PhasedAction::Nominate,
                day("2011-03-11"),
                std::slice::from_ref(&early)
            )
            .is_err()
        );
        // A window of another phase opens nothing here.
        let other = PhaseWindow {
            phase: "summary".into(),
            ..early
        };
        assert!(
            c.action_open(PhasedAction::Nominate, day("2011-03-01"), &[other])
                .is_err()
        );
    }

    #[test]
    fn an_action_no_phase_names_is_open_throughout() {
        let c = Campaign::builtin();
        assert!(c.phases_opening(PhasedAction::Review).is_empty());
        assert!(
            c.action_open(PhasedAction::Review, day("2026-12-05"), &[])
                .is_ok()
        );
    }

    #[test]
    fn unknown_actions_and_opens_outside_phases_are_refused_at_their_line() {
        let text = super::super::BUILTIN_2010
            .replacen(
                "code = \"commendation\"",
                "code = \"commendation\"\nopens = [\"nominate\", \"vote\"]",
                1,
            )
            .replacen(
                "code = \"towards-90th\"",
                "code = \"towards-90th\"\nopens = [\"commit\"]",
                1,
            );
        // The built-in file already opens nominations in the commendation phase: a second
        // `opens` there is a TOML error, so take the first one out.
        let text = text.replacen("opens = [\"nominate\"]\n", "", 1);
        let errors = Campaign::load("t.toml", &text).expect_err("refused").errors;
        let en: Vec<String> = errors.iter().map(|e| e.message.render(Lang::En)).collect();
        assert!(en.iter().any(|m| m.contains("\"vote\"")), "{en:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.path.starts_with("stages[0].opens") && e.line.is_some()),
            "{errors:?}"
        );
    }
}
