-- Test copy of the production table audio_files (DESIGN.md section 2). Created by
-- PostgrestDouble in a fresh schema (search_path points at it) before the migrations run.
-- Like production: no primary key, no unique constraint on file_path, file_path nullable, so
-- tests can insert malformed rows and duplicates.
create table audio_files (
  device_id text,
  recorded_at timestamptz,
  file_path text,
  transcriptions_status text default 'pending',
  created_at timestamptz default now(),
  local_date date,
  time_block varchar(5),
  behavior_features_status text default 'pending',
  emotion_features_status text default 'pending'
);
