"""Everything drawn with rich lives here; nothing else in perfwaterfall imports rich."""
