import { Badge, Button, Group, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { type BusinessProfile, useDraftProfile, useSaveProfile } from '../../node/knowledge-api';

function ProfileEditor({ workspaceId, profile }: { workspaceId: string; profile: BusinessProfile }) {
  const save = useSaveProfile(workspaceId);
  const [text, setText] = useState(profile.text);
  const [published, setPublished] = useState(profile.published);
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ text, published });
  }
  return (
    <form onSubmit={submit} aria-label="Business profile">
      <Stack gap="xs">
        <Textarea
          label="Profile"
          description="Edit freely. Once it is in use, the agent reads it with its instructions."
          autosize
          minRows={6}
          maxLength={8000}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <Switch
          label="Use this profile in the agent's instructions"
          checked={published}
          onChange={(e) => setPublished(e.currentTarget.checked)}
        />
        {save.isError ? (
          <Text size="sm" c="red" role="alert">
            {errorMessage(save.error)}
          </Text>
        ) : null}
        {save.isSuccess ? (
          <Text size="sm" c="green" role="status">
            Saved.
          </Text>
        ) : null}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save profile
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The business profile: drafted by the workspace's model from the home and about pages, then edited. */
export function BusinessProfileSection({
  workspaceId,
  profile,
  manage,
}: {
  workspaceId: string;
  profile: BusinessProfile | null;
  manage: boolean;
}) {
  const draft = useDraftProfile(workspaceId);
  const [domain, setDomain] = useState(profile ? `https://${profile.domain}/` : '');
  const drafting = profile?.status === 'drafting';
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Title order={3} size="h4">
          Business profile
        </Title>
        {profile ? (
          <Badge variant="light" color={profile.published ? 'green' : 'gray'}>
            {drafting ? 'Drafting…' : profile.published ? 'In use' : 'Not in use'}
          </Badge>
        ) : null}
      </Group>
      {manage ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            draft.mutate(domain);
          }}
        >
          <Group align="flex-end" gap="xs">
            <TextInput
              label="Your website"
              description="Your server reads the home and about pages and drafts the profile with your model."
              placeholder="https://www.example.com/"
              type="url"
              required
              value={domain}
              onChange={(e) => setDomain(e.currentTarget.value)}
              style={{ flex: 1 }}
            />
            <Button type="submit" variant="default" loading={draft.isPending || drafting}>
              Draft profile
            </Button>
          </Group>
        </form>
      ) : null}
      {draft.isError ? (
        <Text size="sm" c="red" role="alert">
          {errorMessage(draft.error)}
        </Text>
      ) : null}
      {profile?.status === 'failed' ? (
        <Text size="sm" c="red" role="alert">
          {profile.error}
        </Text>
      ) : null}
      {profile && !drafting && manage ? (
        <ProfileEditor key={profile.updatedAt} workspaceId={workspaceId} profile={profile} />
      ) : null}
      {profile && !manage ? (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {profile.text}
        </Text>
      ) : null}
    </Stack>
  );
}
