//! The model library (先进典型库): an entry goes proposed → reviewed by the office → in the
//! library → public, or is withdrawn with a reason at any step (a sanction recorded later
//! withdraws it too). Only a public entry is ever shown to the public.

use crate::i18n::Message;

serialize_as_code!(ModelStatus);

/// Where a library entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ModelStatus {
    /// 已推荐
    Proposed,
    /// 已审核
    Reviewed,
    /// 已入库
    InLibrary,
    /// 已公开
    Public,
    /// 已撤销
    Withdrawn,
}

impl ModelStatus {
    pub const ALL: [ModelStatus; 5] = [
        ModelStatus::Proposed,
        ModelStatus::Reviewed,
        ModelStatus::InLibrary,
        ModelStatus::Public,
        ModelStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Proposed => "proposed",
            ModelStatus::Reviewed => "reviewed",
            ModelStatus::InLibrary => "in_library",
            ModelStatus::Public => "public",
            ModelStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ModelStatus> {
        ModelStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("model.status_{}", self.as_str()), &[])
    }

    /// The next step forward: proposed → reviewed → in the library → public.
    pub fn advance(self) -> Result<ModelStatus, Message> {
        match self {
            ModelStatus::Proposed => Ok(ModelStatus::Reviewed),
            ModelStatus::Reviewed => Ok(ModelStatus::InLibrary),
            ModelStatus::InLibrary => Ok(ModelStatus::Public),
            ModelStatus::Public => Err(Message::of("model.already_public", &[])),
            ModelStatus::Withdrawn => Err(Message::of("model.withdrawn", &[])),
        }
    }

    /// Withdrawing needs a reason and an entry not withdrawn already.
    pub fn withdraw(self, reason: &str) -> Result<ModelStatus, Message> {
        if self == ModelStatus::Withdrawn {
            return Err(Message::of("model.withdrawn", &[]));
        }
        if reason.trim().is_empty() {
            return Err(Message::of("model.withdraw_reason", &[]));
        }
        Ok(ModelStatus::Withdrawn)
    }

    /// Whether the public may see the entry.
    pub fn shown_publicly(self) -> bool {
        self == ModelStatus::Public
    }
}

serialize_as_code!(ModelLevel, ModelSource, TagFacet);

/// The level of the honour or recognition behind an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ModelLevel {
    /// 县级
    County,
    /// 市级
    City,
    /// 省级
    Province,
    /// 全国
    National,
}

impl ModelLevel {
    pub const ALL: [ModelLevel; 4] = [
        ModelLevel::County,
        ModelLevel::City,
        ModelLevel::Province,
        ModelLevel::National,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelLevel::County => "county",
            ModelLevel::City => "city",
            ModelLevel::Province => "province",
            ModelLevel::National => "national",
        }
    }

    pub fn parse(s: &str) -> Option<ModelLevel> {
        ModelLevel::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Reads a level as an office's list writes it: its code or its Chinese name.
    pub fn from_label(s: &str) -> Option<ModelLevel> {
        let s = s.trim();
        ModelLevel::parse(s).or(match s {
            "县级" | "县" | "区级" | "县(市、区)级" => Some(ModelLevel::County),
            "市级" | "市" => Some(ModelLevel::City),
            "省级" | "省" => Some(ModelLevel::Province),
            "全国" | "国家级" | "全国级" => Some(ModelLevel::National),
            _ => None,
        })
    }

    pub fn name(self) -> Message {
        Message::of(format!("model.level_{}", self.as_str()), &[])
    }
}

/// How an entry came into the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// 表彰 — made from the honour roll when a candidate is commended.
    Commended,
    /// 组织推荐
    Recommended,
    /// 督查发现
    Inspection,
}

impl ModelSource {
    pub const ALL: [ModelSource; 3] = [
        ModelSource::Commended,
        ModelSource::Recommended,
        ModelSource::Inspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelSource::Commended => "commended",
            ModelSource::Recommended => "recommended",
            ModelSource::Inspection => "inspection",
        }
    }

    pub fn parse(s: &str) -> Option<ModelSource> {
        ModelSource::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("model.source_{}", self.as_str()), &[])
    }
}

/// The facets an entry is tagged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TagFacet {
    /// 行业
    Sector,
    /// 类别
    Category,
    /// 主题
    Theme,
}

impl TagFacet {
    pub const ALL: [TagFacet; 3] = [TagFacet::Sector, TagFacet::Category, TagFacet::Theme];

    pub fn as_str(self) -> &'static str {
        match self {
            TagFacet::Sector => "sector",
            TagFacet::Category => "category",
            TagFacet::Theme => "theme",
        }
    }

    pub fn parse(s: &str) -> Option<TagFacet> {
        TagFacet::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The most tags of one facet, and the longest tag.
pub const MAX_TAGS: usize = 8;
pub const MAX_TAG_CHARS: usize = 20;

/// Splits a typed list of tags (separated by commas, 、 or spaces) into distinct tags, or
/// says which one is too long or that there are too many.
pub fn parse_tags(text: &str) -> Result<Vec<String>, Message> {
    let mut out: Vec<String> = vec![];
    for t in text
        .split([',', '，', '、', ';', '；', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if t.chars().count() > MAX_TAG_CHARS {
            return Err(Message::of(
                "model.tag_too_long",
                &[("tag", &t), ("max", &MAX_TAG_CHARS)],
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Message::of("model.too_many_tags", &[("max", &MAX_TAGS)]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_goes_to_the_public_step_by_step_and_a_withdrawal_needs_a_reason() {
        let mut s = ModelStatus::Proposed;
        let mut seen = vec![s];
        while let Ok(next) = s.advance() {
            s = next;
            seen.push(s);
        }
        assert_eq!(
            seen,
            [
                ModelStatus::Proposed,
                ModelStatus::Reviewed,
                ModelStatus::InLibrary,
                ModelStatus::Public
            ]
        );
        assert!(
            ModelStatus::ALL
                .iter()
                .filter(|m| m.shown_publicly())
                .eq([ModelStatus::Public].iter()),
            "proposed and withdrawn entries are never public"
        );
        assert_eq!(
            ModelStatus::Public.withdraw(" ").unwrap_err().key(),
            "model.withdraw_reason"
        );
        let gone = ModelStatus::Public.withdraw("受到党纪处分").unwrap();
        assert_eq!(gone, ModelStatus::Withdrawn);
        assert_eq!(gone.advance().unwrap_err().key(), "model.withdrawn");
        assert_eq!(gone.withdraw("again").unwrap_err().key(), "model.withdrawn");
        for m in ModelStatus::ALL {
            assert_eq!(ModelStatus::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn tags_are_split_on_the_separators_offices_type_and_kept_short() {
        assert_eq!(
            parse_tags("农村、 基层党建，服务群众 农村").unwrap(),
            ["农村", "基层党建", "服务群众"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        let long = "很".repeat(MAX_TAG_CHARS + 1);
        assert_eq!(parse_tags(&long).unwrap_err().key(), "model.tag_too_long");
        let many = (0..=MAX_TAGS)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_tags(&many).unwrap_err().key(), "model.too_many_tags");
        assert_eq!(ModelLevel::from_label("省级"), Some(ModelLevel::Province));
        assert_eq!(ModelLevel::from_label("city"), Some(ModelLevel::City));
        assert_eq!(ModelLevel::from_label("乡级"), None);
    }
}
