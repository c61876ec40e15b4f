//! The demonstration city (演示数据): 焦作市 with its real county-level units, municipal organs
//! and several enterprises and institutions, about 1,500 organisations and 30,000 members
//! with valid ID numbers, leadership teams and cadres, and an account of every role.
//! Deterministic: the same program builds the same city every time.

use serde::Serialize;
use xianfeng_domain::idcard::check_char;
use xianfeng_domain::org::{OrgKind, TreePath};
use xianfeng_domain::person::{Gender, MemberType};
use xianfeng_domain::role::Role;
use xianfeng_storage::{MemberUpsert, NewOrg, NewUser, Store, password};

use crate::init::CreatedAccount;
use crate::{AppError, Progress};

mod activity;
mod bulletins;
mod inspections;
mod publicity;
mod scores;
mod selection;

/// splitmix64: small, fast and the same on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// (code, name, ID area code)
const COUNTIES: &[(&str, &str, &str)] = &[
    ("JF", "解放区", "410802"),
    ("ZZ", "中站区", "410803"),
    ("MC", "马村区", "410804"),
    ("SY", "山阳区", "410811"),
    ("XW", "修武县", "410821"),
    ("BA", "博爱县", "410822"),
    ("WZ", "武陟县", "410823"),
    ("WX", "温县", "410825"),
    ("QY", "沁阳市", "410882"),
    ("MZ", "孟州市", "410883"),
];

const TOWNS: &[&str] = &[
    "城关",
    "西关",
    "东关",
    "南街",
    "北街",
    "新华",
    "人民路",
    "建设路",
    "民主路",
    "太行",
    "光明",
    "解放路",
    "丰收",
    "焦西",
    "龙洞",
    "月山",
    "许良",
    "柏山",
    "王封",
    "九里山",
];

const VILLAGES: &[&str] = &[
    "东村", "西村", "南庄", "北庄", "前街", "后街", "新村", "河口", "李庄", "张庄", "王屯", "赵营",
    "社区", "小区", "花园", "枣园",
];

/// (code, department, sector 行业)
const ORGANS: &[(&str, &str, &str)] = &[
    ("JYJ", "市教育局", "教育"),
    ("WJW", "市卫生健康委员会", "卫生"),
    ("GAJ", "市公安局", "政法"),
    ("CZJ", "市财政局", "财政"),
    ("FGW", "市发展和改革委员会", "经济"),
    ("ZJJ", "市住房和城乡建设局", "城建"),
    ("JTJ", "市交通运输局", "交通"),
    ("NYJ", "市农业农村局", "农业"),
    ("SWJ", "市商务局", "商务"),
    ("MZJ", "市民政局", "民政"),
    ("RSJ", "市人力资源和社会保障局", "人社"),
    ("WLJ", "市文化广电和旅游局", "文旅"),
    ("SFJ", "市司法局", "政法"),
    ("STJ", "市生态环境局", "环保"),
    ("SJJ", "市审计局", "审计"),
];

/// (code, name, sector)
const ENTERPRISES: &[(&str, &str, &str)] = &[
    ("JMJT", "焦作煤业集团", "能源"),
    ("ZYLY", "中原内配集团", "制造"),
    ("DFDL", "焦作电厂", "能源"),
    ("RMYY", "焦作市人民医院", "卫生"),
    ("JZSY", "焦作市第一中学", "教育"),
    ("LYGS", "云台山旅游发展公司", "文旅"),
    ("JZYH", "焦作市商业银行", "金融"),
    ("SWGS", "焦作市水务公司", "公用事业"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建国", "建华", "红", "玉兰", "志强", "海燕", "文",
    "斌", "鹏", "华", "辉", "宁", "颖", "新民", "卫东", "春梅", "立新", "国庆",
];

const POSITIONS: &[&str] = &[
    "",
    "",
    "",
    "",
    "支部委员",
    "组织委员",
    "宣传委员",
    "纪检委员",
];

const TEAM_POSITIONS: &[&str] = &[
    "书记",
    "副书记、区(县、市)长",
    "副书记",
    "常委、组织部部长",
    "常委、纪委书记",
    "常委、宣传部部长",
    "常委、政法委书记",
    "常委、常务副区(县、市)长",
    "常委、统战部部长",
];

/// The day the demonstration city lives on (a rehearsal date): 1 March 2012, in the
/// built-in campaign's 组织实施 phase and its themed stage 以优异成绩迎接党的十八大, with a
/// period under way, one closed and the office's nominations for the province opened early.
/// `xianfeng demo` serves as if today were this day; the audit trail keeps real time.
pub fn demo_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2012, 3, 1).expect("a date")
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub organisations: usize,
    pub members: usize,
    pub leadership_teams: usize,
    pub cadres: usize,
    /// Plans, commitments, records and reviews of the campaign at work.
    pub activity: self::activity::ActivitySummary,
    /// Nominations at every step, a running notice, the honour roll.
    pub selection: self::selection::SelectionSummary,
    /// The follow-up campaign, copied from the running one and still a draft: its code.
    pub follow_up: Option<String>,
    /// Supervision: the inspector pool, a finished spot check and a running one.
    pub inspections: self::inspections::InspectionSummary,
    /// Bulletins of each kind issued, stage reports sent up, a scheduled draft waiting.
    pub bulletins: self::bulletins::BulletinSummary,
    /// The model library, good practices, and a lecture tour held and one to come.
    pub publicity: self::publicity::PublicitySummary,
}

/// 解放区委's implementing opinions (实施意见): a requirement of its own for its branches'
/// leadership, an activity item of its own, and its dates for the implementation phase.
async fn local_guidance(store: &Store) -> Result<(), AppError> {
    use xianfeng_domain::campaign::LocalRule;
    let Some(district) = store.registry().org_by_code("JZ-JF").await? else {
        return Ok(());
    };
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a demo date");
    let rules = [
        LocalRule::Requirement {
            standard: "wu-ge-hao".into(),
            criterion: "leadership".into(),
            text: "村（社区）党组织书记每月至少走访一次困难党员和困难群众，建立走访台账。".into(),
        },
        LocalRule::Activity {
            set: "wubi-yizheng".into(),
            code: String::new(),
            name: "比技能".into(),
            description: "开展岗位练兵、技能比武，党员争当业务骨干。".into(),
        },
        LocalRule::PhaseDates {
            phase: "implementation".into(),
            starts_on: day("2010-07-10"),
            ends_on: day("2012-03-20"),
        },
    ];
    let mut tx = store.begin("office").await?;
    for rule in &rules {
        campaign.check_local(rule).map_err(AppError::Input)?;
        tx.add_local_rule(campaign_id, (district.id, &district.code), rule)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The next campaign as an office prepares it (长效机制): the running one copied, its
/// dates three years on, left in draft.
async fn follow_up(store: &Store) -> Result<String, AppError> {
    let (from, _) = crate::scope::campaign(store).await?;
    let request = crate::campaigns::CopyRequest {
        name: "创先争优常态化活动",
        name_en: "Striving for excellence, year in year out",
        code: None,
        shift_years: None,
    };
    let id = crate::campaigns::copy(store, None, "demo", from, &request).await?;
    Ok(crate::campaigns::get(store, id).await?.0.code)
}

/// Where new branches go: their category, sector and the ID area code of their members.
#[derive(Clone, Copy)]
struct Place {
    category: &'static str,
    sector: Option<&'static str>,
    area: &'static str,
}

struct Builder {
    rng: Rng,
    orgs: Vec<NewOrg>,
    next_id: i64,
    /// (org index, ID area code) of every branch, to fill with members.
    branches: Vec<(usize, &'static str)>,
}

impl Builder {
    fn add(
        &mut self,
        parent: Option<usize>,
        code: String,
        name: String,
        kind: OrgKind,
        category: Option<&str>,
        sector: Option<&str>,
    ) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        let (parent_id, path) = match parent {
            Some(p) => {
                let parent = &self.orgs[p];
                (
                    Some(parent.id),
                    TreePath::from_stored(parent.path.clone()).child(id),
                )
            }
            None => (None, TreePath::root(id)),
        };
        self.orgs.push(NewOrg {
            id,
            code,
            name,
            kind,
            category: category.map(str::to_string),
            sector: sector.map(str::to_string),
            parent_id,
            path: path.as_str().to_string(),
        });
        self.orgs.len() - 1
    }

    fn branches_under(&mut self, parent: usize, prefix: &str, label: &str, n: usize, at: Place) {
        for b in 1..=n {
            let village = *self.rng.pick(VILLAGES);
            let idx = self.add(
                Some(parent),
                format!("{prefix}-{b:02}"),
                format!("{label}{village}第{b}党支部"),
                OrgKind::Branch,
                Some(at.category),
                at.sector,
            );
            self.branches.push((idx, at.area));
        }
    }
}

/// A valid ID number from an area code, a birth date and a sequence.
fn id_number(area: &str, birth: chrono::NaiveDate, seq: u64) -> String {
    let first17 = format!("{area}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let check = check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn person(rng: &mut Rng) -> (String, chrono::NaiveDate, u64) {
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let birth = chrono::NaiveDate::from_ymd_opt(1945, 1, 1).unwrap()
        + chrono::Duration::days(rng.below(365 * 55) as i64);
    (name, birth, rng.below(1000))
}

fn build_tree(rng: Rng) -> Builder {
    let mut b = Builder {
        rng,
        orgs: Vec::new(),
        next_id: 1,
        branches: Vec::new(),
    };
    let city = b.add(
        None,
        "JZ".into(),
        "中共焦作市委员会".into(),
        OrgKind::CityCommittee,
        None,
        None,
    );
    for (code, name, area) in COUNTIES {
        let county = b.add(
            Some(city),
            format!("JZ-{code}"),
            format!("中共{name}委员会"),
            OrgKind::CountyCommittee,
            Some("county"),
            None,
        );
        for t in 0..12 {
            let town = TOWNS[t % TOWNS.len()];
            let (kind, label) = if t % 3 == 0 {
                (OrgKind::WorkingCommittee, format!("{name}{town}街道党工委"))
            } else {
                (OrgKind::Committee, format!("{name}{town}镇党委"))
            };
            let tcode = format!("JZ-{code}-{:02}", t + 1);
            let town_idx = b.add(Some(county), tcode.clone(), label, kind, None, None);
            let gb = b.add(
                Some(town_idx),
                format!("{tcode}-Z1"),
                format!("{name}{town}机关党总支"),
                OrgKind::GeneralBranch,
                Some("county"),
                None,
            );
            let county_place = Place {
                category: "county",
                sector: None,
                area,
            };
            b.branches_under(gb, &format!("{tcode}-Z1"), town, 2, county_place);
            let category = if t % 3 == 0 { "community" } else { "rural" };
            b.branches_under(
                town_idx,
                &tcode,
                town,
                6,
                Place {
                    category,
                    sector: None,
                    area,
                },
            );
        }
    }
    let organs = b.add(
        Some(city),
        "JZ-SZJG".into(),
        "中共焦作市直属机关工作委员会".into(),
        OrgKind::WorkingCommittee,
        Some("municipal-organs"),
        None,
    );
    for (code, name, sector) in ORGANS {
        let dept = b.add(
            Some(organs),
            format!("JZ-SZJG-{code}"),
            format!("{name}机关党委"),
            OrgKind::Committee,
            Some("municipal-organs"),
            Some(sector),
        );
        let place = Place {
            category: "municipal-organs",
            sector: Some(sector),
            area: "410811",
        };
        b.branches_under(dept, &format!("JZ-SZJG-{code}"), name, 5, place);
    }
    for (code, name, sector) in ENTERPRISES {
        let category = if *sector == "教育" {
            "school"
        } else {
            "enterprise"
        };
        let ent = b.add(
            Some(city),
            format!("JZ-QY-{code}"),
            format!("{name}党委"),
            OrgKind::Committee,
            Some(category),
            Some(sector),
        );
        let gb = b.add(
            Some(ent),
            format!("JZ-QY-{code}-Z1"),
            format!("{name}生产一线党总支"),
            OrgKind::GeneralBranch,
            Some(category),
            Some(sector),
        );
        let place = Place {
            category,
            sector: Some(sector),
            area: "410802",
        };
        b.branches_under(gb, &format!("JZ-QY-{code}-Z1"), name, 6, place);
        b.branches_under(ent, &format!("JZ-QY-{code}"), name, 6, place);
    }
    // Towns inherit the county's category.
    let cats: Vec<Option<String>> = b.orgs.iter().map(|o| o.category.clone()).collect();
    for i in 0..b.orgs.len() {
        if cats[i].is_none()
            && let Some(pid) = b.orgs[i].parent_id
        {
            b.orgs[i].category = cats[(pid - 1) as usize].clone();
        }
    }
    b
}

const MEMBERS_PER_BRANCH: u64 = 27;

pub async fn build(
    store: &Store,
    password_for_all: Option<&str>,
    progress: &dyn Progress,
) -> Result<(DemoSummary, Vec<CreatedAccount>), AppError> {
    let mut b = build_tree(Rng(2010_0501));
    let mut summary = DemoSummary {
        organisations: b.orgs.len(),
        ..DemoSummary::default()
    };
    let today = demo_day();
    let mut members = Vec::new();
    let mut used = std::collections::HashSet::new();
    let branches = std::mem::take(&mut b.branches);
    for (idx, area) in &branches {
        let n = MEMBERS_PER_BRANCH - 5 + b.rng.below(11);
        for k in 0..n {
            let (name, birth, seq) = person(&mut b.rng);
            let id = id_number(area, birth, seq);
            if !used.insert(id.clone()) {
                continue;
            }
            let joined = birth + chrono::Duration::days(365 * 19 + b.rng.below(365 * 30) as i64);
            let joined = joined.min(today - chrono::Duration::days(30));
            let probationary = today - joined < chrono::Duration::days(365);
            let phone = format!("1{}{:09}", 3 + b.rng.below(7), b.rng.below(1_000_000_000));
            members.push(MemberUpsert {
                org_id: b.orgs[*idx].id,
                name,
                gender: if (seq % 10) % 2 == 1 {
                    Gender::Male
                } else {
                    Gender::Female
                },
                ethnicity: Some(
                    if b.rng.below(20) == 0 {
                        "回族"
                    } else {
                        "汉族"
                    }
                    .into(),
                ),
                birth_year: i64::from(chrono::Datelike::year(&birth)),
                id_number: id,
                joined_on: Some(joined),
                member_type: if probationary {
                    MemberType::Probationary
                } else {
                    MemberType::Formal
                },
                // The first of each branch is its secretary (第一责任人); the draw is made
                // all the same, so that the rest of the demo stays as it was.
                position: Some(b.rng.pick(POSITIONS).to_string())
                    .map(|p| {
                        if k == 0 {
                            "党支部书记".to_string()
                        } else {
                            p
                        }
                    })
                    .filter(|p| !p.is_empty()),
                phone: Some(phone),
            });
        }
    }
    summary.members = members.len();
    progress.start(Some(b.orgs.len() + members.len()));
    let mut tx = store.begin("demo").await?;
    tx.insert_orgs(&b.orgs).await?;
    progress.advance(b.orgs.len());
    for chunk in members.chunks(2000) {
        tx.upsert_members(store, chunk).await?;
        progress.advance(chunk.len());
    }
    // A leadership team for each county-level unit, written as the sheets an office keeps
    // and imported after the registry, through the import service.
    let mut teams = String::from("班子名称,所属组织编码,班子类别\n");
    let mut cadres =
        String::from("姓名,身份证号,职务,所属班子,所属组织编码,是否主要负责人,任职时间\n");
    for (code, name, area) in COUNTIES {
        let team = format!("中共{name}委员会领导班子");
        teams.push_str(&format!("{team},JZ-{code},党委班子\n"));
        for (k, position) in TEAM_POSITIONS.iter().enumerate() {
            let (cname, birth, seq) = person(&mut b.rng);
            let birth = birth.max(chrono::NaiveDate::from_ymd_opt(1955, 1, 1).unwrap());
            let since = format!("{}-{:02}-01", 2006 + b.rng.below(4), 1 + b.rng.below(12));
            let head = if k == 0 { "是" } else { "否" };
            let id = id_number(area, birth, seq);
            cadres.push_str(&format!(
                "{cname},{id},\"{position}\",{team},JZ-{code},{head},{since}\n"
            ));
        }
    }
    // One account of every role, each scoped to a real part of the tree.
    let first_branch = b.orgs[branches[0].0].code.clone();
    let plan: &[(&str, Role, &str)] = &[
        ("office", Role::Office, "JZ"),
        ("jiefang", Role::CommitteeStaff, "JZ-JF"),
        ("shanyang", Role::CommitteeStaff, "JZ-SY"),
        ("secretary", Role::Secretary, &first_branch),
        ("member", Role::Member, &first_branch),
        ("reviewer", Role::Reviewer, "JZ-JF"),
        ("inspector", Role::Inspector, "JZ"),
        ("education", Role::SectorGuide, "JZ-SZJG-JYJ"),
    ];
    let mut accounts = Vec::new();
    for (username, role, org) in plan {
        let pw = password_for_all
            .map(str::to_string)
            .unwrap_or_else(password::generate);
        let org_ids = tx.org_ids_by_codes(&[org.to_string()]).await?;
        // The member account is the first member of the first branch.
        let member_id = match role {
            Role::Member => tx.member_ids_of(org_ids[0], 1).await?.first().copied(),
            _ => None,
        };
        tx.create_user(&NewUser {
            username: username.to_string(),
            role: *role,
            password_hash: password::hash(&pw),
            must_change_password: password_for_all.is_none(),
            org_ids,
            member_id,
        })
        .await?;
        accounts.push(CreatedAccount {
            username: username.to_string(),
            role: role.as_str().into(),
            organisations: vec![org.to_string()],
            password: pw,
        });
    }
    tx.commit().await?;
    let (t, c) = import_leaders(store, teams, cadres).await?;
    (summary.leadership_teams, summary.cadres) = (t, c);
    let started = std::time::Instant::now();
    summary.activity = self::activity::build(store, &mut b.rng).await?;
    let activity = started.elapsed();
    summary.selection = self::selection::build(store, demo_day()).await?;
    local_guidance(store).await?;
    summary.inspections = self::inspections::build(store).await?;
    summary.bulletins = self::bulletins::build(store, demo_day()).await?;
    summary.publicity = self::publicity::build(store, demo_day()).await?;
    summary.follow_up = Some(follow_up(store).await?);
    tracing::info!(
        activity_ms = activity.as_millis() as u64,
        selection_ms = (started.elapsed() - activity).as_millis() as u64,
        "demo built"
    );
    progress.finish();
    Ok((summary, accounts))
}

/// Imports the demo's sheets of teams and cadres; how many of each were made.
async fn import_leaders(
    store: &Store,
    teams: String,
    cadres: String,
) -> Result<(usize, usize), AppError> {
    use crate::import::{ImportMode, ImportOptions};
    let opts = ImportOptions {
        mode: ImportMode::Commit,
        skip_bad: false,
        actor: "demo".into(),
        today: demo_day(),
        on_behalf: None,
    };
    let mut made = vec![];
    for (sheet, cadres) in [(teams, false), (cadres, true)] {
        let reader = xianfeng_ingest::from_csv_bytes(sheet.into_bytes())
            .map_err(|e| AppError::Input(e.message()))?;
        let silent = crate::Silent;
        let report = if cadres {
            crate::import_leaders::import_cadres(store, reader, &opts, &silent).await?
        } else {
            crate::import_leaders::import_teams(store, reader, &opts, &silent).await?
        };
        if !report.committed {
            let why = report.issues.into_iter().map(|i| i.reason);
            return Err(AppError::Input(xianfeng_domain::i18n::Message::joined(
                why, "; ",
            )));
        }
        made.push(report.outcome.inserted);
    }
    Ok((made[0], made[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_city_is_deterministic_and_well_formed() {
        let a = build_tree(Rng(2010_0501));
        let b = build_tree(Rng(2010_0501));
        assert_eq!(a.orgs.len(), b.orgs.len());
        assert!((1300..=1700).contains(&a.orgs.len()), "{}", a.orgs.len());
        let codes: std::collections::HashSet<&str> =
            a.orgs.iter().map(|o| o.code.as_str()).collect();
        assert_eq!(codes.len(), a.orgs.len(), "codes are unique");
        for o in &a.orgs {
            assert!(
                o.category.is_some() || o.kind == OrgKind::CityCommittee,
                "{}",
                o.code
            );
            if let Some(p) = o.parent_id {
                let parent = &a.orgs[(p - 1) as usize];
                assert!(
                    o.kind.may_sit_under(parent.kind),
                    "{} under {}",
                    o.code,
                    parent.code
                );
                assert!(o.path.starts_with(&parent.path));
            }
        }
        let id = id_number(
            "410802",
            chrono::NaiveDate::from_ymd_opt(1980, 2, 29).unwrap(),
            7,
        );
        assert!(xianfeng_domain::idcard::IdNumber::parse(&id).is_ok());
    }
}
