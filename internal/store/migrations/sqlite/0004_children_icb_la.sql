-- Counting children per LA within an ICB (the DCO home and the viewer's
-- dashboard) read every child's table row without this index: dco bench
-- measured the DCO home at 126 ms on 20,000 children before, 13.5 ms after.
CREATE INDEX children_icb_la ON children (icb_id, la_id);
