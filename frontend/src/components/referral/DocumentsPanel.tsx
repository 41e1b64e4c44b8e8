// A referral's clinical documents: what the referrer still owes (needs info), the list, upload by drag and
// drop or file picker, download, and a preview of PDFs and images. Every download and preview is audited.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Alert, Box, Button, Group, List, Modal, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconEye, IconUpload } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, authFetch, ProblemError, unwrap, type Problem } from '../../api/client';
import type { DocumentKind, DocumentMeta } from '../../api/contracts';
import { useReferralDetail } from '../../api/hooks';
import { formatDateTime } from '../../lib/format';
import { mapProblemToFields } from '../../lib/problems';
import { PanelTitle } from './AppointmentsPanel';

export const DOCUMENT_KINDS: { value: DocumentKind; label: string }[] = [
  { value: 'clinical_note', label: 'Clinical note' },
  { value: 'imaging_report', label: 'Imaging report' },
  { value: 'lab_result', label: 'Lab result' },
  { value: 'insurance_card', label: 'Insurance card' },
  { value: 'referral_letter', label: 'Referral letter' },
  { value: 'other', label: 'Other' },
];
const KIND_LABEL = Object.fromEntries(DOCUMENT_KINDS.map((k) => [k.value, k.label])) as Record<DocumentKind, string>;
const ACCEPT = 'application/pdf,image/png,image/jpeg,image/gif,image/webp,image/tiff,text/plain';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const previewable = (d: DocumentMeta) => d.content_type === 'application/pdf' || d.content_type.startsWith('image/');

async function fetchContent(referralId: string, doc: DocumentMeta): Promise<Blob> {
  const res = await authFetch(new Request(`${location.origin}/v1/referrals/${referralId}/documents/${doc.id}/content`));
  if (!res.ok) throw new ProblemError(res.status, (await res.json().catch(() => ({}))) as Problem);
  return res.blob();
}

function extension(contentType: string): string {
  return { 'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg', 'text/plain': '.txt' }[contentType] ?? '';
}

async function download(referralId: string, doc: DocumentMeta) {
  const url = URL.createObjectURL(await fetchContent(referralId, doc));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${doc.title.replace(/[^\w .-]+/g, '_')}${extension(doc.content_type)}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function titleFromFile(name: string): string {
  return name.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim().slice(0, 200);
}

export function DocumentsPanel({ referralId, canUpload }: { referralId: string; canUpload: boolean }) {
  const queryClient = useQueryClient();
  const referral = useReferralDetail(referralId);
  const documents = useQuery({
    queryKey: ['referral', referralId, 'documents'],
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}/documents', { params: { path: { referral_id: referralId } } })) as DocumentMeta[],
    retry: false,
  });
  const [preview, setPreview] = useState<DocumentMeta | null>(null);
  const [error, setError] = useState<string | null>(null);
  const detail = referral.data;
  const missing = detail?.status === 'needs_info' ? detail.info_request?.missing ?? [] : [];
  const items = documents.data ?? [];

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="documents-heading">
      <PanelTitle id="documents-heading">Documents</PanelTitle>
      <Stack gap="sm">
        {missing.length > 0 && (
          <Alert color="yellow" title="Waiting for information from the referrer" role="status">
            <Text size="sm">This referral is on hold until these arrive; it returns to received on its own when they do.</Text>
            <List size="sm" mt={4} aria-label="Missing items">
              {missing.map((m) => <List.Item key={m}>{m}</List.Item>)}
            </List>
            {detail?.info_request?.decline_at && (
              <Text size="xs" mt={4}>Declined as incomplete after {formatDateTime(detail.info_request.decline_at)} if still missing.</Text>
            )}
          </Alert>
        )}
        {error && <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)}>{error}</Alert>}
        {documents.error ? (
          <Text size="sm" c="red.8">Could not load documents: {(documents.error as Error).message}</Text>
        ) : items.length === 0 ? (
          <Text size="sm" c="dimmed">{documents.isPending ? 'Loading documents…' : 'No documents yet.'}</Text>
        ) : (
          <Table verticalSpacing={4} aria-label="Documents">
            <Table.Thead>
              <Table.Tr><Table.Th>Title</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Added</Table.Th><Table.Th>Size</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.id} data-document={d.id}>
                  <Table.Td><Text size="sm" fw={500} style={{ wordBreak: 'break-word' }}>{d.title}</Text></Table.Td>
                  <Table.Td><Text size="sm">{KIND_LABEL[d.kind] ?? d.kind}</Text></Table.Td>
                  <Table.Td><Text size="sm">{formatDateTime(d.created_at)}</Text></Table.Td>
                  <Table.Td><Text size="sm">{size(d.size_bytes)}</Text></Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {previewable(d) && (
                        <Button size="compact-xs" variant="light" leftSection={<IconEye size={14} aria-hidden />}
                          aria-label={`Preview ${d.title}`} onClick={() => setPreview(d)}>Preview</Button>
                      )}
                      <Button size="compact-xs" variant="subtle" leftSection={<IconDownload size={14} aria-hidden />}
                        aria-label={`Download ${d.title}`}
                        onClick={() => download(referralId, d).catch((err) => setError((err as Error).message))}>Download</Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {canUpload && (
          <UploadForm referralId={referralId} onUploaded={(doc) => {
            notifications.show({ color: 'teal', message: `${doc.title} added.` });
            // The upload may complete the referral: it then leaves needs info, which the whole page shows.
            queryClient.invalidateQueries({ predicate: (q) => ['referral', 'referrals', 'work-queue'].includes(q.queryKey[0] as string) });
          }} />
        )}
      </Stack>
      {preview && <PreviewModal referralId={referralId} doc={preview} onClose={() => setPreview(null)} />}
    </Paper>
  );
}

function UploadForm({ referralId, onUploaded }: { referralId: string; onUploaded: (doc: DocumentMeta) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [over, setOver] = useState(false);
  const [errors, setErrors] = useState<{ fields: Record<string, string>; general: string[] }>({ fields: {}, general: [] });

  const choose = (f: File | undefined | null) => {
    if (!f) return;
    setFile(f);
    setErrors({ fields: {}, general: [] });
    if (!title) setTitle(titleFromFile(f.name));
  };

  const upload = useMutation({
    mutationFn: async () => {
      const form = new FormData();
      form.append('file', file!);
      form.append('kind', kind!);
      form.append('title', title.trim());
      const res = await authFetch(new Request(`${location.origin}/v1/referrals/${referralId}/documents`, { method: 'POST', body: form }));
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new ProblemError(res.status, body as Problem);
      return body as DocumentMeta;
    },
    onSuccess: (doc) => {
      setFile(null);
      setKind(null);
      setTitle('');
      if (input.current) input.current.value = '';
      onUploaded(doc);
    },
    onError: (err) => {
      if (err instanceof ProblemError) {
        const mapped = mapProblemToFields(err.problem, ['file', 'kind', 'title']);
        // A refusal about the bytes (too large, not what it says it is) belongs beside the file.
        if (!Object.keys(mapped.fields).length && (err.status === 413 || err.status === 422)) {
          setErrors({ fields: { file: mapped.general.join(' ') || err.message }, general: [] });
        } else {
          setErrors(mapped);
        }
      } else {
        setErrors({ fields: {}, general: ['Could not reach the server. Try again in a moment.'] });
      }
    },
  });

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    choose(e.dataTransfer.files?.[0]);
  };

  return (
    <form onSubmit={(e) => { e.preventDefault(); if (file && kind && title.trim()) upload.mutate(); }} aria-label="Upload a document">
      <Stack gap="xs">
        {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
        <Box
          data-testid="document-drop-zone"
          onDragOver={(e) => { e.preventDefault(); setOver(true); }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          p="md"
          style={{
            border: `2px dashed var(--mantine-color-${errors.fields.file ? 'red-7' : over ? 'indigo-6' : 'gray-5'})`,
            borderRadius: 8,
            background: over ? 'var(--mantine-color-indigo-0)' : undefined,
            textAlign: 'center',
          }}
        >
          <Stack gap={4} align="center">
            <IconUpload size={22} aria-hidden />
            <Text size="sm">{file ? `${file.name} (${size(file.size)})` : 'Drag a PDF, image or text file here, or'}</Text>
            <Button size="compact-sm" variant="light" onClick={() => input.current?.click()}>{file ? 'Choose another file' : 'Choose a file'}</Button>
            <input ref={input} type="file" accept={ACCEPT} aria-label="Document file" hidden
              onChange={(e) => choose(e.currentTarget.files?.[0])} />
            {errors.fields.file && <Text size="sm" c="red.8" role="alert">{errors.fields.file}</Text>}
          </Stack>
        </Box>
        {file && (
          <Group align="flex-start" grow wrap="wrap">
            <Select label="Kind" required data={DOCUMENT_KINDS} value={kind} onChange={setKind} error={errors.fields.kind}
              comboboxProps={{ withinPortal: false }} />
            <TextInput label="Title" required maxLength={200} value={title} onChange={(e) => setTitle(e.currentTarget.value)}
              error={errors.fields.title} />
          </Group>
        )}
        {file && (
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setFile(null); setErrors({ fields: {}, general: [] }); }}>Clear</Button>
            <Button type="submit" loading={upload.isPending} disabled={!kind || !title.trim()} leftSection={<IconUpload size={16} aria-hidden />}>
              Upload document
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

function PreviewModal({ referralId, doc, onClose }: { referralId: string; doc: DocumentMeta; onClose: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let made: string | null = null;
    fetchContent(referralId, doc)
      .then((blob) => { made = URL.createObjectURL(blob); setUrl(made); })
      .catch((err) => setError((err as Error).message));
    return () => { if (made) URL.revokeObjectURL(made); };
  }, [referralId, doc]);
  return (
    <Modal opened onClose={onClose} title={doc.title} size="xl">
      {error && <Alert color="red" role="alert">{error}</Alert>}
      {!url && !error && <Text size="sm" c="dimmed">Loading preview…</Text>}
      {url && (doc.content_type === 'application/pdf'
        ? <iframe src={url} title={`Preview of ${doc.title}`} style={{ width: '100%', height: '70vh', border: 0 }} />
        : <img src={url} alt={`Preview of ${doc.title}`} style={{ maxWidth: '100%', maxHeight: '70vh', display: 'block', margin: '0 auto' }} />)}
    </Modal>
  );
}
