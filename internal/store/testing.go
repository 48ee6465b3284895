package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// TestPostgresEnv names the environment variable holding the PostgreSQL URL
// the tests use; PostgreSQL tests are skipped when it is unset.
const TestPostgresEnv = "DCO_TEST_POSTGRES_URL"

// OpenTestSQLite opens a migrated SQLite store in a fresh temporary file,
// closed when the test ends. For tests of other packages.
func OpenTestSQLite(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(tb.TempDir(), "dco.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// TestPostgresURL returns DCO_TEST_POSTGRES_URL. When it is unset the test
// is skipped on a developer's machine, and fails in CI (CI set), which must
// provide PostgreSQL: a skipped test there would prove nothing.
func TestPostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(TestPostgresEnv)
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal(TestPostgresEnv + " is not set: CI must provide PostgreSQL (.ci/run starts it)")
		}
		tb.Skip(TestPostgresEnv + " is not set")
	}
	return u
}

// OpenTestPostgres opens a migrated PostgreSQL store in a fresh schema of
// the database named by DCO_TEST_POSTGRES_URL, dropped when the test ends;
// it skips the test when the variable is unset.
func OpenTestPostgres(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, TestPostgresSchema(tb), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate postgres: %v", err)
	}
	return s
}

// TestPostgresSchema makes a fresh, empty schema in the database named by
// DCO_TEST_POSTGRES_URL and returns that URL with search_path set to it. The
// schema is dropped when the test ends; the test is skipped when the
// variable is unset.
func TestPostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := TestPostgresURL(tb)
	ctx := context.Background()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("open postgres: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", TestPostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Fixture is a small ICB for tests: two LAs, two providers and a signed-in
// actor of every role. The DCO and the viewer belong to the ICB; the first
// provider's clinician (Clinician) belongs to Provider1; Clinician2 belongs
// to no organisation, an account made before every clinician had to
// (InsertLegacyUser); Admin is the administrator of the whole service.
type Fixture struct {
	ICB, LA1, LA2, Provider1, Provider2 Org

	DCO, LA1User, LA2User, Clinician, Clinician2, Provider1User, Provider2User, Viewer, Admin Actor
}

// SeedFixture creates a Fixture's organisations and users in s. The
// organisations are real (BSW ICB, Bath and North East Somerset, Swindon);
// the people are not.
func SeedFixture(tb testing.TB, s *Store) *Fixture {
	tb.Helper()
	ctx := context.Background()
	f := &Fixture{
		ICB:       Org{Kind: OrgICB, Name: "BSW ICB", Code: "QOX", ONSCode: "E54000040"},
		LA1:       Org{Kind: OrgLA, Name: "Bath and North East Somerset", Code: "800", ONSCode: "E06000022"},
		LA2:       Org{Kind: OrgLA, Name: "Swindon", Code: "866", ONSCode: "E06000030"},
		Provider1: Org{Kind: OrgProvider, Name: "HCRG Care Group", Code: "NLX"},
		Provider2: Org{Kind: OrgProvider, Name: "Oxford Health", Code: "RNU"},
	}
	for _, o := range []*Org{&f.ICB, &f.LA1, &f.LA2, &f.Provider1, &f.Provider2} {
		if err := s.CreateOrg(ctx, System, o); err != nil {
			tb.Fatalf("create org %s: %v", o.Name, err)
		}
	}
	user := func(email string, role Role, org, la int64) Actor {
		u := User{Email: email, Name: "Test " + string(role), Role: role, OrgID: org, LAID: la}
		if err := s.CreateUser(ctx, System, &u); err != nil {
			tb.Fatalf("create user %s: %v", email, err)
		}
		return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: "192.0.2.1"}
	}
	f.DCO = user("dco@example.nhs.uk", RoleDCO, f.ICB.ID, 0)
	f.LA1User = user("la1@example.gov.uk", RoleLA, 0, f.LA1.ID)
	f.LA2User = user("la2@example.gov.uk", RoleLA, 0, f.LA2.ID)
	f.Clinician = user("clin@example.nhs.uk", RoleClinician, f.Provider1.ID, 0)
	c2 := InsertLegacyUser(tb, s, User{Email: "clin2@example.nhs.uk", Name: "Test clinician", Role: RoleClinician})
	f.Clinician2 = Actor{UserID: c2.ID, Email: c2.Email, Role: c2.Role, Addr: "192.0.2.1"}
	f.Provider1User = user("prov1@example.nhs.uk", RoleProvider, f.Provider1.ID, 0)
	f.Provider2User = user("prov2@example.nhs.uk", RoleProvider, f.Provider2.ID, 0)
	f.Viewer = user("viewer@example.nhs.uk", RoleViewer, f.ICB.ID, 0)
	f.Admin = user("admin@example.nhs.uk", RoleAdmin, 0, 0)
	return f
}

// InsertLegacyUser adds u as an account made before dco checked where an
// account belongs (CreateUser's checkUser): a DCO or clinician of no
// organisation, say, which a database may still hold. It writes the row
// directly, with no check and no audit, for tests of how such an account
// is treated.
func InsertLegacyUser(tb testing.TB, s *Store, u User) User {
	tb.Helper()
	ctx := context.Background()
	now := fmtTime(s.now())
	u.Email = normaliseEmail(u.Email)
	err := s.write(ctx, func(t *tx) error {
		id, err := t.insertID(ctx, `INSERT INTO users (email, name, role, org_id, la_id, password_hash, disabled, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, u.Email, u.Name, string(u.Role), nullID(u.OrgID), nullID(u.LAID),
			u.PasswordHash, u.Disabled, now, now)
		u.ID = id
		return err
	})
	if err != nil {
		tb.Fatalf("insert legacy user %s: %v", u.Email, err)
	}
	u.Version, u.CreatedAt = 1, parseTime(now)
	return u
}

// LimitSQLiteSize makes the SQLite database behave as if its disk held only
// extraPages more pages: PRAGMA max_page_count on the writer connection, so
// that writes fail as on a full disk (SQLITE_FULL). The function it returns
// lifts the limit, as freeing disk space would, without a restart. For the
// disk-full tests of docs/quality-bar.md §5.
func LimitSQLiteSize(tb testing.TB, s *Store, extraPages int) (lift func()) {
	tb.Helper()
	if s.engine != EngineSQLite {
		tb.Fatalf("LimitSQLiteSize: the store is %s", s.engine)
	}
	ctx := context.Background()
	var pages int64
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		tb.Fatalf("page_count: %v", err)
	}
	var set int64
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA max_page_count = "+itoa(pages+int64(extraPages))).Scan(&set); err != nil {
		tb.Fatalf("max_page_count: %v", err)
	}
	return func() {
		tb.Helper()
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA max_page_count = 4294967294").Scan(&set); err != nil {
			tb.Fatalf("lift max_page_count: %v", err)
		}
	}
}

// OtherICB is a second ICB beside a Fixture's, for tests of what must not
// cross an ICB's boundary: one LA and one provider of its own, and a DCO,
// an LA user, a provider user and a clinician of its own.
type OtherICB struct {
	ICB, LA, Provider Org

	DCO, LAUser, ProviderUser, Clinician Actor
}

// SeedOtherICB adds an OtherICB to a store SeedFixture has seeded. The
// organisations are real (Lancashire and South Cumbria ICB, Blackpool); the
// people are not.
func SeedOtherICB(tb testing.TB, s *Store) *OtherICB {
	tb.Helper()
	ctx := context.Background()
	o := &OtherICB{ICB: Org{Kind: OrgICB, Name: "Lancashire and South Cumbria ICB", Code: "QE1", ONSCode: "E54000048"}}
	if err := s.CreateOrg(ctx, System, &o.ICB); err != nil {
		tb.Fatalf("create org %s: %v", o.ICB.Name, err)
	}
	o.LA = Org{Kind: OrgLA, Name: "Blackpool", Code: "890", ONSCode: "E06000009", ParentID: o.ICB.ID}
	o.Provider = Org{Kind: OrgProvider, Name: "Blackpool Teaching Hospitals", Code: "RXL", ParentID: o.ICB.ID}
	for _, org := range []*Org{&o.LA, &o.Provider} {
		if err := s.CreateOrg(ctx, System, org); err != nil {
			tb.Fatalf("create org %s: %v", org.Name, err)
		}
	}
	user := func(email string, role Role, org, la int64) Actor {
		u := User{Email: email, Name: "Test " + string(role), Role: role, OrgID: org, LAID: la}
		if err := s.CreateUser(ctx, System, &u); err != nil {
			tb.Fatalf("create user %s: %v", email, err)
		}
		return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: "192.0.2.2"}
	}
	o.DCO = user("dco@lsc.example.nhs.uk", RoleDCO, o.ICB.ID, 0)
	o.LAUser = user("la@blackpool.example.gov.uk", RoleLA, 0, o.LA.ID)
	o.ProviderUser = user("prov@lsc.example.nhs.uk", RoleProvider, o.Provider.ID, 0)
	o.Clinician = user("clin@lsc.example.nhs.uk", RoleClinician, o.Provider.ID, 0)
	return o
}

// ForEachEngine runs fn on a fresh, migrated SQLite store and, when
// DCO_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema: how every
// store test, the kernel's and each workflow's, proves both engines agree.
func ForEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run(EngineSQLite, func(t *testing.T) {
		t.Parallel()
		fn(t, OpenTestSQLite(t))
	})
	t.Run(EnginePostgres, func(t *testing.T) {
		TestPostgresURL(t)
		t.Parallel()
		fn(t, OpenTestPostgres(t))
	})
}

// TestNow is the clock the store tests run at.
var TestNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// TestNHSNumber returns the i-th valid NHS number in the never-issued 999
// range.
func TestNHSNumber(tb testing.TB, i int) send.NHSNumber {
	tb.Helper()
	for n := 999000000 + i*3; ; n++ {
		if v, ok := send.CompleteNHSNumber(strconv.Itoa(n)); ok {
			return v
		}
	}
}

// TestChild returns a valid child of an LA, numbered i.
func TestChild(tb testing.TB, i int, laID int64) Child {
	return Child{
		NHSNumber:   TestNHSNumber(tb, i),
		GivenName:   fmt.Sprintf("Given%d", i),
		FamilyName:  fmt.Sprintf("Family%d", i),
		DateOfBirth: send.NewDate(2015, time.March, 1+i%28),
		Postcode:    "ba1 1aa",
		LAID:        laID,
		Setting:     "Test Primary School",
	}
}

// SetFailAfterChange sets the hook that fails every write transaction after
// its work and before its commit (nil clears it): a workflow's store tests
// prove with it that a change and its audit rows are written together.
func SetFailAfterChange(s *Store, fn func() error) { s.failAfterChange = fn }

// NewTestFixture seeds the shared test fixture and sets the store's clock
// to TestNow, as every workflow's store tests begin.
func NewTestFixture(t *testing.T, s *Store) *Fixture {
	t.Helper()
	s.Now = func() time.Time { return TestNow }
	return SeedFixture(t, s)
}

// MustCreateChild registers a child as actor, failing the test on error.
func MustCreateChild(t *testing.T, s *Store, actor Actor, c Child) Child {
	t.Helper()
	if err := s.CreateChild(context.Background(), actor, &c); err != nil {
		t.Fatalf("create child: %v", err)
	}
	return c
}

// WantCode fails the test unless err carries code.
func WantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

// CountAudit counts audit rows with an action (and a child, when non-zero).
func CountAudit(t *testing.T, s *Store, action string, childID int64) int {
	t.Helper()
	_, n, err := s.ListAudit(context.Background(), AuditFilter{Action: action, ChildID: childID, Limit: 1})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return n
}

// TestAuditRows returns the audit rows with an action about a child,
// oldest first.
func TestAuditRows(t *testing.T, s *Store, action string, childID int64) []AuditEntry {
	t.Helper()
	rows, _, err := s.ListAudit(context.Background(), AuditFilter{Action: action, ChildID: childID, Limit: 1000})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// ShownIn counts the rows of action by actor in the child's "who has
// accessed this record", as its ICB's DCO reads it.
func ShownIn(t *testing.T, s *Store, dco Actor, childID int64, action string, by Actor) int {
	t.Helper()
	log, err := s.ChildAccessLog(context.Background(), dco, childID)
	if err != nil {
		t.Fatalf("access log of child %d: %v", childID, err)
	}
	n := 0
	for _, e := range log {
		if e.Action == action && e.Email == by.Email {
			n++
		}
	}
	return n
}

// SeedKentICB adds a second ICB (Kent and Medway) with one LA, one
// provider and a DCO, for tests that need an ICB the fixture's DCO is not in.
func SeedKentICB(t *testing.T, s *Store) (icb, la, prov Org, dco Actor) {
	t.Helper()
	ctx := context.Background()
	icb = Org{Kind: OrgICB, Name: "Kent and Medway ICB", Code: "QKS"}
	if err := s.CreateOrg(ctx, System, &icb); err != nil {
		t.Fatal(err)
	}
	la = Org{Kind: OrgLA, Name: "Medway", Code: "887", ONSCode: "E06000035", ParentID: icb.ID}
	prov = Org{Kind: OrgProvider, Name: "Kent Community Health", Code: "RYY", ParentID: icb.ID}
	for _, o := range []*Org{&la, &prov} {
		if err := s.CreateOrg(ctx, System, o); err != nil {
			t.Fatal(err)
		}
	}
	u := User{Email: "dco@kent.example.nhs.uk", Name: "Kent DCO", Role: RoleDCO, OrgID: icb.ID}
	if err := s.CreateUser(ctx, System, &u); err != nil {
		t.Fatal(err)
	}
	return icb, la, prov, Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID}
}

// NoICBDCO is the fixture's DCO as an account of no ICB would be.
func NoICBDCO(f *Fixture) Actor {
	a := f.DCO
	a.OrgID = 0
	return a
}

// The outcomes CheckRegistered tells apart.
const (
	RegisterOK        = ""
	RegisterRefused   = "refused"
	RegisterForbidden = "forbidden"
)

// CheckRegistered fails unless a registration of a new child had the
// outcome want (invalid naming field when refused, when field is set), and
// a refused one stored no child: before is the count of children before it.
func CheckRegistered(t *testing.T, s *Store, err error, want, field string, before int) {
	t.Helper()
	switch want {
	case RegisterOK:
		if err != nil {
			t.Fatalf("got %v (%v), want the child registered", err, errs.FieldsOf(err))
		}
		return
	case RegisterRefused:
		if errs.CodeOf(err) != errs.Invalid || (field != "" && errs.FieldsOf(err)[field] == "") {
			t.Fatalf("got %v (%v), want invalid naming %s", err, errs.FieldsOf(err), field)
		}
	case RegisterForbidden:
		if errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("got %v, want forbidden", err)
		}
	}
	if after, _ := s.CountChildren(context.Background(), System); after != before {
		t.Errorf("children: got %d, want %d (nothing stored)", after, before)
	}
}

// DiffRows fails, row by row, unless got equals want: how a ledger test
// shows which deadline differs from what the records say after step.
func DiffRows[T interface {
	comparable
	String() string
}](t *testing.T, step, what string, got, want []T) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("after %s the ledger differs from the %s:", step, what)
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i].String()
		}
		if i < len(want) {
			w = want[i].String()
		}
		if g != w {
			t.Errorf("  got  %s\n  want %s", g, w)
		}
	}
}

// RegisterCase is one actor registering a new child in an LA, and the
// outcome wanted (RegisterOK, RegisterRefused or RegisterForbidden).
type RegisterCase struct {
	Name  string
	Actor Actor
	LA    int64
	Want  string
}

// ImportRegisterCases are the cases every workflow's import of a new child
// is held to: the DCO team registers a child only in its ICB's LAs, a DCO
// of no ICB nowhere.
func ImportRegisterCases(f *Fixture, o *OtherICB) []RegisterCase {
	return []RegisterCase{
		{"DCO, own ICB", f.DCO, f.LA2.ID, RegisterOK},
		{"DCO, another ICB", f.DCO, o.LA.ID, RegisterRefused},
		{"DCO of no ICB", NoICBDCO(f), f.LA1.ID, RegisterRefused},
	}
}

// RunRegisterCases runs, as subtests of name, each case through register (i
// numbers the case from 1, for a fresh child) and checks its outcome with
// CheckRegistered, naming field when refused.
func RunRegisterCases(t *testing.T, s *Store, name string, cases []RegisterCase, field string, register func(t *testing.T, i int, tc RegisterCase) error) {
	t.Run(name, func(t *testing.T) {
		for i, tc := range cases {
			t.Run(tc.Name, func(t *testing.T) {
				before, _ := s.CountChildren(context.Background(), System)
				CheckRegistered(t, s, register(t, i+1, tc), tc.Want, field, before)
			})
		}
	})
}

// TestYoungChild is TestChild i born in 2022: under compulsory school age.
func TestYoungChild(tb testing.TB, i int, laID int64) Child {
	c := TestChild(tb, i, laID)
	c.DateOfBirth = send.NewDate(2022, time.May, 1+i%28)
	return c
}

// LegacyDCO adds a DCO of no ICB (an account made before every DCO had to
// name one) and returns it as an actor.
func LegacyDCO(tb testing.TB, s *Store) Actor {
	tb.Helper()
	u := InsertLegacyUser(tb, s, User{Email: "national@example.nhs.uk", Name: "National", Role: RoleDCO})
	return Actor{UserID: u.ID, Email: u.Email, Role: RoleDCO}
}

// ForEachEngineBench runs the benchmark fn on a fresh SQLite store and, when
// DCO_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema, each at
// TestNow.
func ForEachEngineBench(b *testing.B, fn func(b *testing.B, s *Store)) {
	engines := []struct {
		name string
		open func(testing.TB) *Store
	}{{EngineSQLite, OpenTestSQLite}, {EnginePostgres, OpenTestPostgres}}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b) // OpenTestPostgres skips without DCO_TEST_POSTGRES_URL
			s.Now = func() time.Time { return TestNow }
			fn(b, s)
		})
	}
}
