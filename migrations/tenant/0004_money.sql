-- Order totals sized for the documented maxima (issue 9): a price is at most
-- 9,999,999,999.99 and an order totals at most 1,000,000,000,000.00 (checked before
-- it is written), so numeric(12,2) — which 99 of the dearest product already
-- overflowed — gives way to numeric(18,2), with the rule repeated as a CHECK.
alter table orders alter column total type numeric(18, 2);
alter table orders add constraint orders_total_max check (total <= 1000000000000.00);
