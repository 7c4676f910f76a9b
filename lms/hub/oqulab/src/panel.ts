/**
 * The Oqu side panel: the latest hand-in's progress ("received", "grading", the score) and its feedback,
 * followed by polling until grading ends; and the course's assignments with their state and a
 * "new version available" notice.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IAssignment, IProgress, LmsError, courseAssignments, progress } from './lms';

const POLL_MS = 1500;

export function formatDue(iso: string): string {
  const due = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(due.getDate())}.${pad(due.getMonth() + 1)}.${due.getFullYear()} ${pad(due.getHours())}:${pad(due.getMinutes())}`;
}

function points(value: number | null): string {
  return value === null ? '–' : String(Math.round(value * 100) / 100);
}

function element(tag: string, text = '', testid = ''): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (testid) {
    node.dataset.testid = testid;
  }
  return node;
}

export function refusalText(trans: TranslationBundle, error: unknown): string {
  if (error instanceof LmsError && error.message) {
    return error.message; // the LMS's words, in the learner's language
  }
  return trans.__('Oqu cannot be reached right now, so nothing was submitted. Please try again in a few minutes.');
}

export class OquPanel extends Widget {
  private progressNode = element('section', '', 'oqu-progress');
  private listNode = element('section', '', 'oqu-assignments');
  private polling = 0;
  private course = '';

  constructor(private trans: TranslationBundle) {
    super();
    this.id = 'oqu-panel';
    this.addClass('oqu-panel');
    this.title.caption = trans.__('Oqu: submissions and assignments');
    this.title.label = 'Oqu';
    this.node.append(this.progressNode, this.listNode);
  }

  /** Follow a hand-in until it is graded (or grading failed). */
  follow(first: IProgress): void {
    window.clearTimeout(this.polling);
    this.showProgress(first);
    const next = async () => {
      try {
        const now = await progress(first.id);
        this.showProgress(now);
        if (now.finished) {
          void this.showCourse(now.course);
          return;
        }
      } catch (error) {
        // the LMS or hub is busy: keep trying, the hand-in is stored
      }
      this.polling = window.setTimeout(next, POLL_MS);
    };
    if (!first.finished) {
      this.polling = window.setTimeout(next, POLL_MS);
    }
  }

  private showProgress(state: IProgress): void {
    const trans = this.trans;
    const node = this.progressNode;
    node.replaceChildren(element('h2', trans.__('Your submission')));
    node.append(element('p', trans.__('Attempt %1', state.attempt)));
    node.append(element('p', state.status_text, 'oqu-status'));
    node.dataset.status = state.status;
    if (state.total !== null) {
      node.append(element('p', trans.__('Score: %1 of %2', points(state.total), points(state.max_total)), 'oqu-score'));
    }
    if (state.feedback.length) {
      node.append(element('h3', trans.__('Feedback')));
      const list = element('ul', '', 'oqu-feedback');
      for (const cell of state.feedback) {
        const item = element('li', '', 'oqu-feedback-cell');
        item.append(element('strong', `${cell.label || cell.cell}: ${points(cell.score)} / ${points(cell.max_score)}`));
        item.append(element('div', cell.text));
        if (cell.failed_check) {
          item.append(element('pre', cell.failed_check));
        }
        if (cell.check_message) {
          item.append(element('div', cell.check_message));
        }
        list.append(item);
      }
      node.append(list);
    }
  }

  /** The course's assignments with the learner's state on each. */
  async showCourse(course: string): Promise<void> {
    this.course = course || this.course;
    if (!this.course) {
      return;
    }
    const trans = this.trans;
    const node = this.listNode;
    let assignments: IAssignment[];
    try {
      assignments = await courseAssignments(this.course);
    } catch (error) {
      node.replaceChildren(element('p', refusalText(trans, error)));
      return;
    }
    node.replaceChildren(element('h2', trans.__('Assignments of the course')));
    const list = element('ul');
    for (const assignment of assignments) {
      const item = element('li', '', 'oqu-assignment');
      item.append(element('strong', assignment.title));
      item.append(
        element(
          'div',
          assignment.latest
            ? `${assignment.latest.status_text}${assignment.latest.total !== null ? ` · ${points(assignment.latest.total)} / ${points(assignment.latest.max_total)}` : ''}`
            : trans.__('Not submitted yet'),
          'oqu-assignment-state'
        )
      );
      if (assignment.attempts_left !== null) {
        item.append(element('div', trans.__('Attempts left: %1', assignment.attempts_left)));
      }
      if (assignment.due) {
        item.append(element('div', trans.__('Due: %1', formatDue(assignment.due))));
      }
      if (assignment.new_version) {
        item.append(
          element(
            'div',
            trans.__('A new version of this assignment is available beside your work: %1', assignment.new_version_paths.join(', ')),
            'oqu-new-version'
          )
        );
      }
      list.append(item);
    }
    node.append(list);
  }

  dispose(): void {
    window.clearTimeout(this.polling);
    super.dispose();
  }
}
