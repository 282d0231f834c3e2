import { Button, FileInput, Group, SegmentedControl, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useAddSource, useUploadFile } from '../../node/knowledge-api';

type Mode = 'url' | 'site' | 'file' | 'qa';

const MODES = [
  { value: 'url', label: 'Page' },
  { value: 'site', label: 'Whole site' },
  { value: 'file', label: 'File' },
  { value: 'qa', label: 'Q&A' },
];

/** Adds one source: a page, a site crawl, a file (sent from the browser straight to the node) or a Q&A entry. */
export function AddSource({ workspaceId }: { workspaceId: string }) {
  const [mode, setMode] = useState<Mode>('url');
  const [url, setUrl] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState('');
  const add = useAddSource(workspaceId);
  const upload = useUploadFile(workspaceId);
  const pending = add.isPending || upload.isPending;
  const failure = add.error ?? upload.error;

  function submit(event: FormEvent) {
    event.preventDefault();
    const done = { onSuccess: () => (setUrl(''), setFile(null), setQuestion(''), setAnswer('')) };
    if (mode === 'file') {
      if (file) upload.mutate(file, done);
    } else if (mode === 'qa') add.mutate({ kind: 'qa', question, answer }, done);
    else add.mutate({ kind: mode, url }, done);
  }

  return (
    <form onSubmit={submit} aria-label="Add a source">
      <Stack gap="xs">
        <SegmentedControl
          value={mode}
          onChange={(v) => {
            setMode(v as Mode);
            add.reset();
            upload.reset();
          }}
          data={MODES}
          aria-label="Kind of source"
        />
        {mode === 'url' || mode === 'site' ? (
          <TextInput
            label={mode === 'url' ? 'Page address' : 'Site address'}
            description={
              mode === 'site'
                ? 'Your server reads the sitemap, then follows links on the same site (robots.txt honoured, up to 200 pages).'
                : 'Your server fetches this one page.'
            }
            placeholder="https://www.example.com/pricing"
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
          />
        ) : null}
        {mode === 'file' ? (
          <FileInput
            label="File"
            description="PDF, Word (DOCX), Markdown, HTML or plain text, up to 20 MB. It goes straight to your server."
            accept=".pdf,.docx,.md,.markdown,.html,.htm,.txt"
            required
            value={file}
            onChange={setFile}
            clearable
          />
        ) : null}
        {mode === 'qa' ? (
          <>
            <TextInput
              label="Question"
              required
              maxLength={500}
              value={question}
              onChange={(e) => setQuestion(e.currentTarget.value)}
            />
            <Textarea
              label="Answer"
              required
              autosize
              minRows={2}
              maxLength={8000}
              value={answer}
              onChange={(e) => setAnswer(e.currentTarget.value)}
            />
          </>
        ) : null}
        {failure ? (
          <Text size="sm" c="red" role="alert">
            {errorMessage(failure)}
          </Text>
        ) : null}
        <Group>
          <Button type="submit" loading={pending}>
            {mode === 'file' ? 'Upload' : 'Add'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
