package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// TestKillNineUnderLoad is docs/quality-bar.md §1, "kill -9 under load": clients register
// children through the JSON API and note every registration that was
// answered 201; the server is killed with SIGKILL at a random moment and
// started again, cycle after cycle. At the end every acknowledged child must
// be there with its NHS number, every child must have the audit row of its
// registration, the audit chain must verify and, on SQLite,
// PRAGMA integrity_check must say ok. Writes are group-committed (several
// requests share one commit), which is exactly what this must not break.
func TestKillNineUnderLoad(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		killCycles(t, filepath.Join(t.TempDir(), "kill.db"), 50)
	})
	t.Run("postgres", func(t *testing.T) {
		url := store.TestPostgresSchema(t) // skips when DCO_TEST_POSTGRES_URL is unset
		t.Parallel()
		killCycles(t, url, 20)
	})
}

// killNHS returns the i-th valid NHS number from 999 500 0000 up: the
// never-issued range, above the demo's children.
func killNHS(i int) string {
	for n := 9995000000/10 + i*3; ; n++ {
		if v, ok := send.CompleteNHSNumber(strconv.Itoa(n)); ok {
			return string(v)
		}
	}
}

func killCycles(t *testing.T, db string, cycles int) {
	bin := dcoBinary(t)
	// The first start seeds the demo ICB; then a token for the demo DCO.
	first := launch(t, db, true, "DCO_LOG_LEVEL=warn")
	first.kill9()
	out, err := exec.Command(bin, "user", "token", "--email", "dco@demo.dco.test", "--db", db).Output()
	if err != nil {
		t.Fatalf("dco user token: %v", err)
	}
	token := strings.TrimSpace(string(out))

	var (
		mu    sync.Mutex
		acked = map[string]int64{} // NHS number → id, answered 201
		next  int                  // next NHS number index
		tried int
		// startup is the time the restarts took, all told.
		startup time.Duration
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		next++
		return next
	}
	client := &http.Client{Timeout: 10 * time.Second}
	const workers = 8
	for cycle := range cycles {
		start := time.Now()
		p := launch(t, db, false, "DCO_LOG_LEVEL=warn")
		startup += time.Since(start)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					i := take()
					nhs := killNHS(i)
					body := fmt.Sprintf(`{"nhs_number":%q,"given_name":"Kill","family_name":"Test%d","date_of_birth":"2016-03-%02d","postcode":"SN1 1AA","la_code":"866"}`,
						nhs, i, 1+i%28)
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/api/v1/children", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					mu.Lock()
					tried++
					mu.Unlock()
					resp, err := client.Do(req)
					if err != nil {
						continue // in doubt: the server may have died before or after the commit
					}
					var got struct {
						ID        int64  `json:"id"`
						NHSNumber string `json:"nhs_number"`
					}
					decodeErr := json.NewDecoder(resp.Body).Decode(&got)
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated && decodeErr == nil {
						mu.Lock()
						acked[nhs] = got.ID
						mu.Unlock()
					} else if resp.StatusCode < 500 && resp.StatusCode != http.StatusConflict {
						// 409: a demo child has that NHS number.
						t.Errorf("cycle %d: POST child %s: status %d", cycle, nhs, resp.StatusCode)
					}
				}
			}()
		}
		time.Sleep(time.Duration(50+rand.IntN(450)) * time.Millisecond)
		p.kill9()
		cancel()
		wg.Wait()
	}
	t.Logf("%d cycles: %d registrations sent, %d acknowledged; restarts took %v on average",
		cycles, tried, len(acked), (startup / time.Duration(cycles)).Round(time.Millisecond))
	if len(acked) < cycles {
		t.Fatalf("only %d registrations were acknowledged in %d cycles: the load did not reach the server", len(acked), cycles)
	}

	// Every acknowledged child is there, with its id.
	engine := "sqlite"
	if strings.HasPrefix(db, "postgres") {
		engine = "pgx"
	}
	conn, err := sql.Open(engine, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT id, nhs_number FROM children")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	for rows.Next() {
		var id int64
		var nhs string
		if err := rows.Scan(&id, &nhs); err != nil {
			t.Fatal(err)
		}
		stored[nhs] = id
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for nhs, id := range acked {
		if stored[nhs] != id {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged child %s (id %d) is missing after kill -9 (stored id %d)", nhs, id, stored[nhs])
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged registrations lost", lost, len(acked))
	}
	// No child without the audit row of its registration; no half-written
	// registration.
	var orphans int
	if err := conn.QueryRow(`SELECT count(*) FROM children c WHERE NOT EXISTS
		(SELECT 1 FROM audit_log a WHERE a.child_id = c.id AND a.action IN ('child.create', 'child.import'))`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d children have no registration audit row", orphans)
	}
	if engine == "sqlite" {
		var ok string
		if err := conn.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("integrity_check: %q %v", ok, err)
		}
	}
	if out, err := exec.Command(bin, "audit", "verify", "--db", db).CombinedOutput(); err != nil {
		t.Errorf("dco audit verify: %v\n%s", err, out)
	}
}
