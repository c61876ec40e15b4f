-- The office's working-day calendar (工作日历): days set by hand or imported (a later
-- year's holiday schedule, a local day off), over the built-in official calendar of
-- 2010–2026, and years declared to have data. Notice periods are counted on it.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    workday INTEGER NOT NULL,
    note TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
