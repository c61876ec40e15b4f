//! Generates benchmark rosters (not committed; see docs/PERFORMANCE.md):
//!
//!   cargo run --release -p xianfeng --example bench_data -- DIR ORGS MEMBERS
//!
//! writes DIR/orgs.csv (a tree of ORGS organisations: 10 counties, towns, general branches
//! and branches) and DIR/members.xlsx (MEMBERS members with valid ID numbers spread over the
//! branches), deterministically.

use rust_xlsxwriter::Workbook;
use std::io::Write;

fn check_char(first17: &[u8]) -> char {
    xianfeng_domain::idcard::check_char(first17)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: bench_data DIR ORGS MEMBERS");
        std::process::exit(2);
    }
    let dir = std::path::PathBuf::from(&args[1]);
    let orgs: usize = args[2].parse().expect("ORGS is a number");
    let members: usize = args[3].parse().expect("MEMBERS is a number");
    std::fs::create_dir_all(&dir).expect("can create DIR");

    // Tree: root, 10 counties, towns of 10 branches each under the counties.
    let mut csv = std::io::BufWriter::new(std::fs::File::create(dir.join("orgs.csv")).unwrap());
    writeln!(csv, "组织编码,组织名称,上级组织编码,组织类别,分类").unwrap();
    writeln!(csv, "R,中共某市委员会,,市委,").unwrap();
    let mut branches = Vec::new();
    let mut n = 1;
    for c in 0..10 {
        writeln!(csv, "C{c},中共某{c}区委员会,R,县(市、区)委,县市区").unwrap();
        n += 1;
    }
    let mut t = 0;
    while n < orgs {
        let county = t % 10;
        writeln!(csv, "T{t},某{t}镇党委,C{county},党委,").unwrap();
        n += 1;
        for b in 0..10 {
            if n >= orgs {
                break;
            }
            writeln!(csv, "T{t}-{b},某{t}镇第{b}党支部,T{t},党支部,").unwrap();
            branches.push(format!("T{t}-{b}"));
            n += 1;
        }
        t += 1;
    }
    csv.flush().unwrap();

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    let headers = [
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "身份证号",
        "入党时间",
        "党员类别",
        "所在组织编码",
        "职务",
        "手机号",
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut used = std::collections::HashSet::with_capacity(members);
    let mut row = 1u32;
    while (row as usize) <= members {
        let year = 1950 + next() % 50;
        let day = 1 + next() % 28;
        let month = 1 + next() % 12;
        let first17 = format!("410802{year}{month:02}{day:02}{:03}", next() % 1000);
        let id = format!("{first17}{}", check_char(first17.as_bytes()));
        if !used.insert(id.clone()) {
            continue;
        }
        let branch = &branches[(next() as usize) % branches.len()];
        let r = row;
        ws.write_string(r, 0, format!("党员{r}")).unwrap();
        ws.write_string(r, 2, "汉族").unwrap();
        ws.write_string(r, 4, &id).unwrap();
        ws.write_string(r, 5, format!("{}-07-01", year + 25))
            .unwrap();
        ws.write_string(r, 6, "正式").unwrap();
        ws.write_string(r, 7, branch).unwrap();
        ws.write_string(r, 9, format!("139{:08}", next() % 100_000_000))
            .unwrap();
        row += 1;
    }
    wb.save(dir.join("members.xlsx")).unwrap();
    eprintln!(
        "{} organisations, {members} members in {}",
        n,
        dir.display()
    );
}
