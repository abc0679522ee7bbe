"""idea board flag per analysed post: a feature request or a post scored or phrased as one (model.ideas.is_request)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("post_analyses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_post_analyses_board", ["board"])
    # rows analysed before: the board held feature requests only (re-analysis is not needed to keep them)
    op.execute(sa.text("UPDATE post_analyses SET board = (intent = 'feature_request')"))


def downgrade() -> None:
    with op.batch_alter_table("post_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_post_analyses_board")
        batch_op.drop_column("board")
