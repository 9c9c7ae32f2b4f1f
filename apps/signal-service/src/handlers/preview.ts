import type { Handlers } from '@signalpath/grpc-kit';
import { common, type signal } from '@signalpath/proto';

import { applyConsent, toSensitiveClassEnums } from '../domain/signal-policy';
import { topicMessage } from '../mapping';
import { validatePreview } from '../validation';
import type { HandlerContext } from './context';

/** PreviewSignals: extraction and the sensitivity policy only. Nothing stored, no consent call. */
export function previewHandlers(ctx: HandlerContext) {
  return {
    previewSignals: async (request) => {
      const interaction = validatePreview(request.interaction, ctx.now());
      // An end-to-end-encrypted chat is never mined, not even to show what it would teach.
      if (interaction.endToEndEncrypted) return { signals: [], suppressed: [], language: '', languageConfidence: 0, languageSupported: false, languages: [] };
      const extraction = ctx.analyzer(interaction.text);
      const language = {
        language: extraction.language?.code ?? '',
        languageConfidence: extraction.language?.confidence ?? 0,
        languageSupported: extraction.language?.supported ?? false,
        languages: extraction.language?.languages ?? [],
      };
      // The same policy as ingestion, as if the user allowed both purposes.
      const kept = applyConsent(extraction.candidates, { ads: true, content: true }, (topicId) => ctx.topicPolicy.isNeverForAds(topicId));
      return {
        signals: kept
          .sort((a, b) => b.weight - a.weight)
          .map((candidate) => ({
            topic: topicMessage(candidate.topicId),
            weight: candidate.weight,
            adsEligible: candidate.adsEligible,
            contentEligible: candidate.contentEligible,
            signalId: '',
            surface: interaction.surface ?? common.Surface.SURFACE_UNSPECIFIED,
            sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT,
            modality: interaction.modality ?? common.Modality.MODALITY_UNSPECIFIED,
            eventTime: interaction.eventTime,
          })),
        suppressed: toSensitiveClassEnums(extraction.suppressed).map((sensitiveClass) => ({ sensitiveClass })),
        ...language,
      };
    },
  } satisfies Handlers<signal.SignalServiceServer>;
}
