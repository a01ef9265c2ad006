package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
)

// The demo's monitoring: Liverpool's two visits to Marine Lodge (one of the bids that
// Manchester's request MCR-DEMO-0398 has to compare), and Greenacre House's fall from
// Requires improvement to Inadequate at its last inspection, on the alerts list.

// loadDemoMonitoring records the demo's visits and the fall through the services the
// pages use.
func loadDemoMonitoring(ctx context.Context, a *app) error {
	liverpool, err := a.orgs.OrganisationByName(ctx, kernel.KindCouncil, "Liverpool")
	if err != nil {
		return err
	}
	var marine, greenacre demoHome
	for _, dh := range demoHomes {
		switch dh.name {
		case "Marine Lodge":
			marine = dh
		case "Greenacre House":
			greenacre = dh
		}
	}
	var marineID int64
	if err := a.db.Gorm.WithContext(ctx).Raw("SELECT id FROM homes WHERE ofsted_urn = ?", marine.urn).Scan(&marineID).Error; err != nil || marineID == 0 {
		return fmt.Errorf("demo home %s: %v", marine.name, err)
	}
	today := kernel.DateOf(time.Now())
	for _, v := range []monitoring.VisitInput{
		{VisitedOn: today.AddDate(0, -7, 0).Format(time.DateOnly), VisitType: "announced", Overall: 2,
			Scores:  map[string]int{"experiences_progress": 3, "help_protection": 2, "leadership_management": 2, "care_planning_education": 3, "environment": 3},
			Summary: "Acting manager since the spring; two missing episodes were reported a day late. Agreed: a named lead for return-home interviews and reporting within the hour."},
		{VisitedOn: today.AddDate(0, 0, -24).Format(time.DateOnly), VisitType: "unannounced", Overall: 3,
			Scores:  map[string]int{"experiences_progress": 3, "help_protection": 3, "leadership_management": 3, "care_planning_education": 3, "environment": 4},
			Summary: "The registered manager is back in post; incidents now reported on time. Both young people we spoke to were positive about their keyworkers."},
	} {
		if _, err := a.monitoring.Record(ctx, liverpool, 0, marineID, v); err != nil {
			return fmt.Errorf("demo visit to %s: %w", marine.name, err)
		}
	}
	org, fields, err := demoHomeFields(ctx, a, greenacre)
	if err != nil {
		return err
	}
	var h struct {
		ID      int64
		Version int
	}
	if err := a.db.Gorm.WithContext(ctx).Raw("SELECT id, version FROM homes WHERE ofsted_urn = ?", greenacre.urn).Scan(&h).Error; err != nil {
		return err
	}
	inspected := time.Date(2025, 9, 9, 0, 0, 0, 0, time.UTC)
	fields.OfstedRating, fields.InspectionDate = "inadequate", &inspected
	_, err = a.market.SaveHome(ctx, org.ID, h.ID, h.Version, fields)
	return err
}
