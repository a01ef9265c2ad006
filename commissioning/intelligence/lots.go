package intelligence

import "context"

// LotNames is the consortium's lots' names by code (the views group by code), each the
// name in its newest framework.
func (s *Service) LotNames(ctx context.Context, consortium int64) (map[string]string, error) {
	var rows []struct{ Code, Name string }
	if err := s.read.WithContext(ctx).Raw(`SELECT DISTINCT ON (l.code) l.code, l.name FROM lots l JOIN frameworks fw ON fw.id = l.framework_id
		WHERE fw.consortium_id = ? ORDER BY l.code, fw.id DESC`, consortium).Scan(&rows).Error; err != nil {
		return nil, err
	}
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.Code] = r.Name
	}
	return names, nil
}
